// libevent for the EventLoop target. Only EventLoop imports this module (privately).
#ifndef CSWY_LIBEVENT_SHIM_H
#define CSWY_LIBEVENT_SHIM_H
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/util.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>

// fcntl is variadic and cannot be called from Swift: these wrap the two uses we have.
static inline int cswy_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
static inline int cswy_set_cloexec(int fd) {
    int flags = fcntl(fd, F_GETFD, 0);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}
static inline int cswy_errno(void) { return errno; }
#endif
