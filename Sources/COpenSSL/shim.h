// OpenSSL 3 (libssl, libcrypto) is linked through this system-library target (pkg-config `openssl`, apt
// `libssl-dev`). Its calls are wrapped in the CTLS target, whose header keeps OpenSSL's and glibc's headers
// out of Clang modules (as CSystem does for libevent); nothing is declared here.
#ifndef CSWY_OPENSSL_SHIM_H
#define CSWY_OPENSSL_SHIM_H
#endif
