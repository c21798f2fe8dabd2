/* number.c - decimal numbers (number.h). */
#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int aura_parse_digits(const char *s, size_t len, size_t max_digits, uint64_t *out) {
    uint64_t v = 0;
    if (!s || len == 0 || len > max_digits || len > 18)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int aura_parse_decimal(const char *s, double *out) {
    if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
        return -EINVAL;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(d))
        return -EINVAL;
    *out = d;
    return 0;
}
