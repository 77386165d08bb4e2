#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <malloc.h>
#include <event2/event.h>
#include "cswy_system.h"

int cswy_accept4(int fd, void *addr, unsigned int *len, int flags) {
    return accept4(fd, (struct sockaddr *)addr, (socklen_t *)len, flags);
}
int cswy_gettid(void) { return (int)syscall(SYS_gettid); }
int cswy_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }
int cswy_efd_nonblock(void) { return EFD_NONBLOCK; }
int cswy_malloc_trim_threshold(int bytes) { return mallopt(M_TRIM_THRESHOLD, bytes); }
int cswy_efd_cloexec(void) { return EFD_CLOEXEC; }

int cswy_o_path(void) { return O_PATH; }

void *cswy_event_base_new(void) {
    struct event_config *cfg = event_config_new();
    if (!cfg) return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
    // libevent's coarse clock (a tick, 4 ms here, may make a timer fire that much early: Watcher waits out the
    // rest), not EVENT_BASE_FLAG_PRECISE_TIMER: with it, epoll's timeouts go through a timerfd, one
    // timerfd_settime before every epoll_wait, on the path of every message a tunnel relays.
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}
void cswy_event_base_free(void *base) { event_base_free((struct event_base *)base); }
int cswy_event_base_loopbreak(void *base) { return event_base_loopbreak((struct event_base *)base); }

// The event clock: a request reads the time a dozen times (the timers it arms, its timing variables, the
// balancer's clock), each clock_gettime a vDSO call. nginx reads it once per wake-up (after epoll_wait), and so
// does this: event_nanos is 0 until read in the current wake-up, and kept for every callback of that wake-up.
// Outside a callback (event_clock_on 0) each read is fresh. One wake-up is one EVLOOP_ONCE pass, so the loop
// below runs libevent one pass at a time (event_base_dispatch would run them all without a word in between).
static __thread unsigned long long event_nanos;
static __thread int event_clock_on;

unsigned long long cswy_event_nanos(void) {
    if (event_nanos) return event_nanos;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long n = (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
    if (event_clock_on) event_nanos = n;
    return n;
}
void cswy_event_clock_enter(void) { event_clock_on = 1; }
void cswy_event_clock_leave(void) { event_clock_on = 0; }

int cswy_event_base_loop_once(void *base) {
    event_nanos = 0;   // a new wake-up reads the clock afresh
    int r = event_base_loop((struct event_base *)base, EVLOOP_ONCE);
    event_nanos = 0;
    return r;
}
// event_base_dispatch, one wake-up at a time: until nothing is registered (1), an error (-1), or
// event_base_loopbreak / loopexit (which event_base_loop leaves set when it returns).
int cswy_event_base_dispatch(void *base) {
    struct event_base *b = (struct event_base *)base;
    for (;;) {
        int r = cswy_event_base_loop_once(b);
        if (r != 0) return r;
        if (event_base_got_break(b) || event_base_got_exit(b)) return 0;
    }
}

const void *cswy_event_base_common_timeout(void *base, long millis) {
    struct timeval tv = { millis / 1000, (millis % 1000) * 1000 };
    return event_base_init_common_timeout((struct event_base *)base, &tv);
}
void *cswy_event_new(void *base, int fd, short flags, cswy_event_callback cb, void *arg) {
    return event_new((struct event_base *)base, fd, flags, cb, arg);
}
void cswy_event_free(void *ev) { event_free((struct event *)ev); }
int cswy_event_add(void *ev, const void *timeout) { return event_add((struct event *)ev, (const struct timeval *)timeout); }
int cswy_event_add_millis(void *ev, long millis) {
    struct timeval tv = { millis / 1000, (millis % 1000) * 1000 };
    return event_add((struct event *)ev, &tv);
}
int cswy_event_del(void *ev) { return event_del((struct event *)ev); }
void cswy_event_active(void *ev) { event_active((struct event *)ev, EV_TIMEOUT, 0); }

// libevent keeps its epoll descriptor private. The leading members read here have been the same since
// libevent 2.0 (event-internal.h: `evsel`, `evbase`; epoll.c: `events`, `nevents`, `epfd`); the EPOLL_CTL_DEL
// below succeeds only on an epoll instance that holds `fd`, which checks the descriptor found before any change.
struct cswy_event_base_head { const void *evsel; void *evbase; };
struct cswy_epollop_head { struct epoll_event *events; int nevents; int epfd; };

int cswy_event_base_epoll_exclusive(void *base, int fd) {
    const char *method = event_base_get_method((struct event_base *)base);
    if (!method || strcmp(method, "epoll") != 0) return -1;
    struct cswy_epollop_head *op = ((struct cswy_event_base_head *)base)->evbase;
    if (!op) return -1;
    // libevent registers an EV_READ event as EPOLLIN with data.fd = fd; keep both, add the flag.
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.fd = fd;
    if (epoll_ctl(op->epfd, EPOLL_CTL_DEL, fd, &ev) != 0) return -1;
    if (epoll_ctl(op->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    ev.events = EPOLLIN;   // a kernel without EPOLLEXCLUSIVE (before 4.5): put the plain registration back
    epoll_ctl(op->epfd, EPOLL_CTL_ADD, fd, &ev);
    return -1;
}
