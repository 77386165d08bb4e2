// pcre2 (8-bit code units) for the Regex target. The public names are macros over *_8 functions:
// the wrappers below give Swift callable names.
#ifndef CSWY_PCRE2_SHIM_H
#define CSWY_PCRE2_SHIM_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

static inline pcre2_code *cswy_pcre2_compile(const unsigned char *pattern, size_t length, uint32_t options,
                                            int *errorcode, size_t *erroroffset) {
    return pcre2_compile(pattern, length, options, errorcode, erroroffset, NULL);
}
static inline void cswy_pcre2_code_free(pcre2_code *code) { pcre2_code_free(code); }
static inline int cswy_pcre2_jit_compile(pcre2_code *code) { return pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); }
static inline pcre2_match_data *cswy_pcre2_match_data_create_from_pattern(const pcre2_code *code) {
    return pcre2_match_data_create_from_pattern(code, NULL);
}
static inline void cswy_pcre2_match_data_free(pcre2_match_data *md) { pcre2_match_data_free(md); }
static inline int cswy_pcre2_match(const pcre2_code *code, const unsigned char *subject, size_t length,
                                   size_t start, uint32_t options, pcre2_match_data *md) {
    return pcre2_match(code, subject, length, start, options, md, NULL);
}
static inline size_t *cswy_pcre2_get_ovector_pointer(pcre2_match_data *md) { return pcre2_get_ovector_pointer(md); }
static inline uint32_t cswy_pcre2_get_ovector_count(pcre2_match_data *md) { return pcre2_get_ovector_count(md); }
static inline int cswy_pcre2_get_error_message(int code, unsigned char *buffer, size_t size) {
    return pcre2_get_error_message(code, buffer, size);
}
static inline int cswy_pcre2_pattern_info(const pcre2_code *code, uint32_t what, void *where) {
    return pcre2_pattern_info(code, what, where);
}
#endif
