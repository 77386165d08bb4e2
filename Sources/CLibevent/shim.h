// libevent is linked through this system-library target (pkg-config `libevent`, apt `libevent-dev`).
// Its calls are wrapped in the CSystem target, whose header keeps glibc out of Clang modules; nothing is
// declared here.
#ifndef CSWY_LIBEVENT_SHIM_H
#define CSWY_LIBEVENT_SHIM_H
#endif
