// The privileged helper: when switchyard starts as root it forks this process before dropping to `user`
// (nginx keeps a root master for the same reasons). It stays root and answers three requests from the master,
// one at a time, over a SOCK_SEQPACKET socketpair: bind+listen an address or a UNIX-domain socket file (the
// socket goes back with SCM_RIGHTS), open a log file for append in a directory that held a log file at start,
// remove the pid file, remove a socket file it bound itself, and open for reading a TLS certificate, key or
// other secret in a directory that held one at start (a reload reads keys only root may read, as nginx's master).
// It holds no other descriptor and exits when the channel closes or the master dies (PR_SET_PDEATHSIG).
// It is written in C and calls only async-signal-safe functions: it runs right after fork() in a process whose
// other threads (cache loaders) may hold locks.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "cswy_system.h"

enum { OP_LISTEN = 'L', OP_OPEN = 'O', OP_UNLINK_PID = 'U', OP_LISTEN_UNIX = 'S', OP_UNLINK_SOCKET = 'R', OP_READ = 'K' };
enum { CALL_SOCKET = 0, CALL_BIND = 1, CALL_LISTEN = 2, CALL_CHANNEL = 3, CALL_OPEN = 4 };
enum { MAX_REQUEST = 4200 };

struct listen_request {
    unsigned char op, v6, reuseport, v6only;
    int backlog;
    unsigned short port;
    unsigned char addr[16];
};

struct answer { int err; int call; };

static void answer(int chan, int err, int call, int fd) {
    struct answer a = { err, call };
    struct iovec iov = { &a, sizeof a };
    struct msghdr m;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        m.msg_control = control.buf;
        m.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(chan, &m, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
    if (fd >= 0) close(fd);
}

/// The same socket Socket.listen makes: non-blocking, SO_REUSEADDR, SO_REUSEPORT on request, v6-only for v6
/// unless `ipv6only=off`.
static void do_listen(int chan, const struct listen_request *r) {
    int one = 1, v6only = r->v6only;
    int fd = socket(r->v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { answer(chan, errno, CALL_SOCKET, -1); return; }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (r->reuseport) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    int rc;
    if (r->v6) {
        struct sockaddr_in6 sa;
        memset(&sa, 0, sizeof sa);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(r->port);
        memcpy(&sa.sin6_addr, r->addr, 16);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    } else {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons(r->port);
        memcpy(&sa.sin_addr, r->addr, 4);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    }
    if (rc != 0) { int e = errno; close(fd); answer(chan, e, CALL_BIND, -1); return; }
    if (listen(fd, r->backlog) != 0) { int e = errno; close(fd); answer(chan, e, CALL_LISTEN, -1); return; }
    answer(chan, 0, 0, fd);
}

/// The socket files this helper bound: the only ones it removes (a fixed table, no malloc after fork).
enum { MAX_SOCKET_FILES = 64 };
static char socket_files[MAX_SOCKET_FILES][sizeof(((struct sockaddr_un *)0)->sun_path)];

static int unix_address(const char *path, struct sockaddr_un *sa, socklen_t *len) {
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof sa->sun_path) return ENAMETOOLONG;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, n);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

/// The same socket Socket.listen makes for `unix:path`: a stale socket file (one that refuses connections)
/// is removed first, the new file is made writable by all, as nginx makes it.
static void do_listen_unix(int chan, int backlog, const char *path) {
    struct sockaddr_un sa;
    socklen_t len;
    int e = unix_address(path, &sa, &len);
    if (e) { answer(chan, e, CALL_BIND, -1); return; }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (probe >= 0) {
            if (connect(probe, (struct sockaddr *)&sa, len) != 0 && errno == ECONNREFUSED) unlink(path);
            close(probe);
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { answer(chan, errno, CALL_SOCKET, -1); return; }
    if (bind(fd, (struct sockaddr *)&sa, len) != 0) { e = errno; close(fd); answer(chan, e, CALL_BIND, -1); return; }
    if (chmod(path, 0666) != 0 || listen(fd, backlog) != 0) {
        e = errno; close(fd); unlink(path); answer(chan, e, CALL_LISTEN, -1); return;
    }
    for (int i = 0; i < MAX_SOCKET_FILES; i++) {
        if (socket_files[i][0] == 0 || strcmp(socket_files[i], path) == 0) { strcpy(socket_files[i], path); break; }
    }
    answer(chan, 0, 0, fd);
}

/// Removes a socket file this helper bound, if it is still a socket.
static void do_unlink_socket(int chan, const char *path) {
    for (int i = 0; i < MAX_SOCKET_FILES; i++) {
        if (socket_files[i][0] == 0 || strcmp(socket_files[i], path) != 0) continue;
        struct stat st;
        int e = 0;
        if (lstat(path, &st) != 0) e = errno;
        else if (!S_ISSOCK(st.st_mode)) e = EPERM;
        else if (unlink(path) != 0) e = errno;
        answer(chan, e, CALL_OPEN, -1);
        return;
    }
    answer(chan, EACCES, CALL_OPEN, -1);
}

/// Whether `path` names a file directly inside one of the allowed directories (exact text, so no `..` escapes).
static int allowed(const char *path, const char *dirs, int dirs_len) {
    if (path[0] != '/') return 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash + 1;
    if (*base == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) return 0;
    size_t dir_len = slash == path ? 1 : (size_t)(slash - path);
    for (int at = 0; at < dirs_len;) {
        const char *d = dirs + at;
        size_t n = strlen(d);
        if (n == dir_len && memcmp(d, path, n) == 0) return 1;
        at += (int)n + 1;
    }
    return 0;
}

/// The user the master serves as (-1: none): the log files opened here become its, as nginx's reopen makes them.
static long log_owner = -1;

/// O_NOFOLLOW: not through a symlink; O_NONBLOCK: a FIFO cannot hang the helper; regular files only. As nginx's
/// ngx_reopen_files: the file is given to the user the master serves as, readable and writable by it.
static void do_open(int chan, const char *path, const char *dirs, int dirs_len) {
    if (!allowed(path, dirs, dirs_len)) { answer(chan, EACCES, CALL_OPEN, -1); return; }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
    if (fd < 0) { answer(chan, errno, CALL_OPEN, -1); return; }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); answer(chan, EACCES, CALL_OPEN, -1); return; }
    if (log_owner >= 0 && st.st_uid != (uid_t)log_owner) (void)fchown(fd, (uid_t)log_owner, (gid_t)-1);
    if ((st.st_mode & (S_IRUSR | S_IWUSR)) != (S_IRUSR | S_IWUSR)) (void)fchmod(fd, st.st_mode | S_IRUSR | S_IWUSR);
    fcntl(fd, F_SETFL, O_APPEND);
    answer(chan, 0, 0, fd);
}

/// A secret file for reading: directly inside a directory that held one at start, which only root may change
/// (owned by root, not writable by group or others: nobody else could have put a link there), following a
/// symbolic link (certbot's live/ names are links into archive/); regular files only.
static void do_read(int chan, const char *path, const char *dirs, int dirs_len) {
    if (!allowed(path, dirs, dirs_len)) { answer(chan, EACCES, CALL_OPEN, -1); return; }
    char dir[MAX_REQUEST];
    size_t dir_len = (size_t)(strrchr(path, '/') - path);
    if (dir_len == 0) dir_len = 1;
    memcpy(dir, path, dir_len);
    dir[dir_len] = 0;
    struct stat st;
    if (stat(dir, &st) != 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) { answer(chan, EACCES, CALL_OPEN, -1); return; }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) { answer(chan, errno, CALL_OPEN, -1); return; }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); answer(chan, EACCES, CALL_OPEN, -1); return; }
    answer(chan, 0, 0, fd);
}

static void close_other_descriptors(int keep) {
    if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0) == 0) {
        for (int fd = 3; fd < keep; fd++) close(fd);
        return;
    }
    struct rlimit rl;
    int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
    for (int fd = 3; fd < max; fd++) if (fd != keep) close(fd);
}

static void helper_main(int chan, pid_t parent, const char *pid_path, const char *dirs, int dirs_len,
                        const char *secrets, int secrets_len) {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);   // ^C, reload, reopen are the master's; the helper ends with it
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    close_other_descriptors(chan);
    static char request[MAX_REQUEST + 1];
    for (;;) {
        ssize_t n = recv(chan, request, MAX_REQUEST, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(0);
        request[n] = 0;
        switch (request[0]) {
        case OP_LISTEN:
            if ((size_t)n == sizeof(struct listen_request)) {
                struct listen_request r;
                memcpy(&r, request, sizeof r);
                do_listen(chan, &r);
            } else {
                answer(chan, EINVAL, CALL_CHANNEL, -1);
            }
            break;
        case OP_OPEN:
            do_open(chan, request + 1, dirs, dirs_len);
            break;
        case OP_READ:
            do_read(chan, request + 1, secrets, secrets_len);
            break;
        case OP_LISTEN_UNIX:
            if (n > 1 + (ssize_t)sizeof(int)) {
                int backlog;
                memcpy(&backlog, request + 1, sizeof backlog);
                do_listen_unix(chan, backlog, request + 1 + sizeof backlog);
            } else {
                answer(chan, EINVAL, CALL_CHANNEL, -1);
            }
            break;
        case OP_UNLINK_SOCKET:
            do_unlink_socket(chan, request + 1);
            break;
        case OP_UNLINK_PID:
            if (pid_path[0] && unlink(pid_path) != 0) answer(chan, errno, CALL_OPEN, -1);
            else answer(chan, 0, 0, -1);
            break;
        default:
            answer(chan, EINVAL, CALL_CHANNEL, -1);
        }
    }
}

int cswy_helper_spawn(const char *pid_path, const char *dirs, int dirs_len, const char *sockets, int sockets_len,
                      const char *secrets, int secrets_len, long owner, int *chan) {
    log_owner = owner;
    // The socket files bound before the helper existed are its to remove too.
    for (int at = 0, i = 0; at < sockets_len && i < MAX_SOCKET_FILES; i++) {
        size_t n = strlen(sockets + at);
        if (n < sizeof socket_files[i]) memcpy(socket_files[i], sockets + at, n + 1);
        at += (int)n + 1;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(sv[0]); close(sv[1]); return -e; }
    if (pid == 0) {
        close(sv[0]);
        helper_main(sv[1], parent, pid_path, dirs, dirs_len, secrets, secrets_len);
    }
    close(sv[1]);
    *chan = sv[0];
    return pid;
}

/// One request and its answer; the descriptor that came with it goes to *fd (-1 if none).
static int ask(int chan, const void *request, size_t len, int *fd, int *call) {
    ssize_t n;
    if (fd) *fd = -1;
    *call = CALL_CHANNEL;
    do n = send(chan, request, len, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    struct answer a;
    struct iovec iov = { &a, sizeof a };
    struct msghdr m;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&m, 0, sizeof m);
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    do n = recvmsg(chan, &m, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    if (n != (ssize_t)sizeof a) return -EPIPE;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && fd) memcpy(fd, CMSG_DATA(c), sizeof(int));
    }
    *call = a.call;
    return a.err ? -a.err : 0;
}

int cswy_helper_listen(int chan, int v6, const unsigned char *addr, unsigned short port, int backlog,
                       int reuseport, int v6only, int *call) {
    struct listen_request r;
    memset(&r, 0, sizeof r);
    r.op = OP_LISTEN;
    r.v6 = v6 ? 1 : 0;
    r.v6only = v6only ? 1 : 0;
    r.reuseport = reuseport ? 1 : 0;
    r.backlog = backlog;
    r.port = port;
    memcpy(r.addr, addr, v6 ? 16 : 4);
    int fd;
    int rc = ask(chan, &r, sizeof r, &fd, call);
    if (rc < 0) return rc;
    return fd >= 0 ? fd : -EPIPE;
}

int cswy_helper_listen_unix(int chan, const char *path, int backlog, int *call) {
    char request[1 + sizeof(int) + sizeof(((struct sockaddr_un *)0)->sun_path)];
    size_t len = strlen(path);
    *call = CALL_BIND;
    if (len + 1 > sizeof(((struct sockaddr_un *)0)->sun_path)) return -ENAMETOOLONG;
    request[0] = OP_LISTEN_UNIX;
    memcpy(request + 1, &backlog, sizeof backlog);
    memcpy(request + 1 + sizeof backlog, path, len);
    int fd;
    int rc = ask(chan, request, 1 + sizeof backlog + len, &fd, call);
    if (rc < 0) return rc;
    return fd >= 0 ? fd : -EPIPE;
}

int cswy_helper_unlink_socket(int chan, const char *path) {
    char request[1 + sizeof(((struct sockaddr_un *)0)->sun_path)];
    size_t len = strlen(path);
    if (len + 1 > sizeof request - 1) return -ENAMETOOLONG;
    request[0] = OP_UNLINK_SOCKET;
    memcpy(request + 1, path, len);
    int call;
    return ask(chan, request, 1 + len, NULL, &call);
}

static int open_by_helper(int chan, char op, const char *path) {
    char request[MAX_REQUEST];
    size_t len = strlen(path);
    if (len + 1 > sizeof request) return -ENAMETOOLONG;
    request[0] = op;
    memcpy(request + 1, path, len);
    int fd, call;
    int rc = ask(chan, request, len + 1, &fd, &call);
    if (rc < 0) return rc;
    return fd >= 0 ? fd : -EPIPE;
}

int cswy_helper_open_append(int chan, const char *path) { return open_by_helper(chan, OP_OPEN, path); }

int cswy_helper_open_read(int chan, const char *path) { return open_by_helper(chan, OP_READ, path); }

int cswy_helper_unlink_pid(int chan) {
    char op = OP_UNLINK_PID;
    int call;
    return ask(chan, &op, 1, NULL, &call);
}

int cswy_initgroups(const char *user, unsigned int gid) { return initgroups(user, (gid_t)gid); }

int cswy_lookup_user(const char *name, unsigned int *uid, unsigned int *gid) {
    struct passwd *pw = getpwnam(name);
    if (!pw) return -1;
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int cswy_lookup_group(const char *name, unsigned int *gid) {
    struct group *gr = getgrnam(name);
    if (!gr) return -1;
    *gid = gr->gr_gid;
    return 0;
}
