// The C calls the engine needs, behind prototypes that use only plain C types. This header includes no system
// or libevent header on purpose: glibc headers pulled into a Clang module beside SwiftGlibc make their types
// (fd_set, …) clash in a clean build. The definitions in system.c include the real headers.
#ifndef CSWY_SYSTEM_H
#define CSWY_SYSTEM_H

// Linux calls Swift cannot reach through SwiftGlibc (a transparent-union argument, macros, a variadic syscall).
int cswy_accept4(int fd, void *addr, unsigned int *len, int flags);
int cswy_gettid(void);
int cswy_eventfd(unsigned int initval, int flags);
int cswy_efd_nonblock(void);
int cswy_malloc_trim_threshold(int bytes);
int cswy_efd_cloexec(void);
int cswy_o_path(void);

// libevent: one event_base per thread, created without libevent's locks.
enum { CSWY_EV_TIMEOUT = 0x01, CSWY_EV_READ = 0x02, CSWY_EV_WRITE = 0x04, CSWY_EV_SIGNAL = 0x08, CSWY_EV_PERSIST = 0x10 };
typedef void (*cswy_event_callback)(int fd, short what, void *arg);
void *cswy_event_base_new(void);
void cswy_event_base_free(void *base);
int cswy_event_base_dispatch(void *base);
int cswy_event_base_loop_once(void *base);
int cswy_event_base_loopbreak(void *base);
/// The event clock: monotonic nanoseconds read at most once per wake-up of the loop on this thread (one
/// cswy_event_base_loop_once pass; callbacks run between cswy_event_clock_enter and _leave, which the engine's
/// trampoline calls); a fresh reading outside callbacks.
unsigned long long cswy_event_nanos(void);
void cswy_event_clock_enter(void);
void cswy_event_clock_leave(void);
/// A shared "common timeout" of `millis` for this base (libevent's O(1) queue for equal durations).
const void *cswy_event_base_common_timeout(void *base, long millis);
void *cswy_event_new(void *base, int fd, short flags, cswy_event_callback cb, void *arg);
void cswy_event_free(void *ev);
/// Arms `ev`; `timeout` is a value from cswy_event_base_common_timeout, or NULL for none.
int cswy_event_add(void *ev, const void *timeout);
int cswy_event_add_millis(void *ev, long millis);
void cswy_event_active(void *ev);
int cswy_event_del(void *ev);
/// Re-registers `fd`, already added for reading by an event on `base`, in libevent's epoll instance with
/// EPOLLEXCLUSIVE. 0 on success; -1 (registration unchanged) when the backend is not epoll or the kernel refuses.
int cswy_event_base_epoll_exclusive(void *base, int fd);
// The privileged helper (privileged_helper.c): a root child process that binds listeners, opens log files in the
// directories allowed at start, and removes the pid file, for a master that dropped to an unprivileged user.
// `dirs` is `ndirs` NUL-terminated paths laid end to end. Returns the child's pid (channel in *chan) or -errno.
/// `sockets`: NUL-separated UNIX-domain socket files already bound, which the helper may remove at exit.
/// `secrets`: NUL-separated directories of the TLS files read at start, the only ones it opens files for reading in.
/// `log_owner`: the uid a log file it opens is given (nginx's reopen chowns to `user`), or -1 for none.
int cswy_helper_spawn(const char *pid_path, const char *dirs, int dirs_len, const char *sockets, int sockets_len,
                      const char *secrets, int secrets_len, long log_owner, int *chan);
/// A listening socket bound by the helper, or -errno; *call says which step failed (0 socket, 1 bind, 2 listen,
/// 3 the channel). `v6only`: IPV6_V6ONLY for an IPv6 address.
int cswy_helper_listen(int chan, int v6, const unsigned char *addr, unsigned short port, int backlog,
                       int reuseport, int v6only, int *call);
/// A listening UNIX-domain socket bound by the helper at `path` (a stale socket file replaced), or -errno.
int cswy_helper_listen_unix(int chan, const char *path, int backlog, int *call);
/// Asks the helper to remove a socket file it bound; 0 or -errno.
int cswy_helper_unlink_socket(int chan, const char *path);
/// A log file opened by the helper for append (O_CLOEXEC), or -errno.
int cswy_helper_open_append(int chan, const char *path);
/// A secret file (certificate, key) opened by the helper for reading (O_CLOEXEC), or -errno.
int cswy_helper_open_read(int chan, const char *path);
/// Asks the helper to remove the pid file; 0 or -errno.
int cswy_helper_unlink_pid(int chan);
/// initgroups(3) (its gid_t argument differs in type between libcs).
int cswy_initgroups(const char *user, unsigned int gid);
/// getpwnam/getgrnam without passing their structs to Swift: 0, or -1 when the name is unknown.
int cswy_lookup_user(const char *name, unsigned int *uid, unsigned int *gid);
int cswy_lookup_group(const char *name, unsigned int *gid);
/// crypt_r(3) of `password` with the setting of `stored`, compared with `stored` in constant time (password.c):
/// 1 when they match, 0 when not, -1 when crypt cannot read the hash (unknown method, invalid, no memory).
int cswy_crypt_matches(const char *password, const char *stored);
#endif
