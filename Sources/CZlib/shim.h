// zlib for the Deflate target. deflateInit2/inflateInit2 are macros: wrapped here so Swift can call them.
#ifndef CSWY_ZLIB_SHIM_H
#define CSWY_ZLIB_SHIM_H
#include <zlib.h>

static inline int cswy_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int cswy_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
