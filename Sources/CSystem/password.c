#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include "cswy_system.h"

// crypt_r with its large work area on the heap (crypt() itself keeps static state: not for worker threads).
// The comparison runs over the whole stored hash whatever the bytes.
int cswy_crypt_matches(const char *password, const char *stored) {
    struct crypt_data *data = calloc(1, sizeof *data);
    if (data == NULL) return -1;
    const char *computed = crypt_r(password, stored, data);
    int result = -1;
    if (computed != NULL) {   // libxcrypt's failure token ("*0", "*1") never equals a stored hash
        size_t a = strlen(computed), b = strlen(stored);
        unsigned char diff = a == b ? 0 : 1;
        for (size_t i = 0; i < a && i < b; i++) diff |= (unsigned char)(computed[i] ^ stored[i]);
        result = diff == 0;
    }
    free(data);
    return result;
}
