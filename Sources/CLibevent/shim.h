// libevent for the EventLoop target, plus the few Linux calls SwiftGlibc does not import cleanly.
// Only EventLoop imports this module.
#ifndef CSWY_LIBEVENT_SHIM_H
#define CSWY_LIBEVENT_SHIM_H
#include <event2/event.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

// accept4 takes a transparent union in glibc's headers, which Swift cannot build: a plain wrapper.
static inline int cswy_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
static inline int cswy_gettid(void) { return (int)syscall(SYS_gettid); }
static inline int cswy_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }
static inline int cswy_efd_nonblock(void) { return EFD_NONBLOCK; }
static inline int cswy_efd_cloexec(void) { return EFD_CLOEXEC; }
#endif
