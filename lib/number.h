/* number.h - decimal numbers as the configuration, the command line and the
 * inputs (syslog PRI, timestamps, journal fields) write them: one parser
 * for each kind instead of a loop in every caller. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* All of s[0..len) decimal digits (no sign, no blanks), 1 to max_digits of
 * them (max_digits <= 18, so the value never overflows): 0 and *out, else
 * -EINVAL. */
int aura_parse_digits(const char *s, size_t len, size_t max_digits, uint64_t *out);

/* A plain decimal number, the whole string: digits, '.', an exponent; no
 * hex, inf, nan or blanks.  0 and *out, else -EINVAL. */
int aura_parse_decimal(const char *s, double *out);
