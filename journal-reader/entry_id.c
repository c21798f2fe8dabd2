/* entry_id.c - a journal cursor's entry and sd-journal's order (entry_id.h). */
#include "entry_id.h"

#include <string.h>

/* 1-16 hex digits, nothing else */
static bool parse_hex(const char *p, size_t n, uint64_t *out) {
    uint64_t v = 0;
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

static bool parse_id128(const char *p, size_t n, sd_id128_t *out) {
    char text[33];
    if (n != 32)
        return false;
    memcpy(text, p, 32);
    text[32] = 0;
    return sd_id128_from_string(text, out) >= 0;
}

unsigned jr_entry_id_parse_fields(const char *cursor, struct jr_entry_id *id) {
    unsigned have = 0;
    memset(id, 0, sizeof *id);
    for (const char *p = cursor; p && *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 2 && p[1] == '=') {
            switch (p[0]) {
            case 's':
                have |= parse_id128(p + 2, n - 2, &id->seqnum_id) ? JR_ENTRY_ID_SEQNUM_ID : 0;
                break;
            case 'i':
                have |= parse_hex(p + 2, n - 2, &id->seqnum) ? JR_ENTRY_ID_SEQNUM : 0;
                break;
            case 'b':
                have |= parse_id128(p + 2, n - 2, &id->boot) ? JR_ENTRY_ID_BOOT : 0;
                break;
            case 'm':
                have |= parse_hex(p + 2, n - 2, &id->mono) ? JR_ENTRY_ID_MONO : 0;
                break;
            case 't':
                have |= parse_hex(p + 2, n - 2, &id->realtime) ? JR_ENTRY_ID_REALTIME : 0;
                break;
            default:
                break;
            }
        }
        p = end ? end + 1 : NULL;
    }
    return have;
}

bool jr_entry_id_parse(const char *cursor, struct jr_entry_id *id) {
    return jr_entry_id_parse_fields(cursor, id) == JR_ENTRY_ID_ALL;
}

static int cmp_u64(uint64_t a, uint64_t b) {
    return a < b ? -1 : a > b;
}

int jr_entry_id_compare(const struct jr_entry_id *a, const struct jr_entry_id *b) {
    if (sd_id128_equal(a->seqnum_id, b->seqnum_id))
        return cmp_u64(a->seqnum, b->seqnum);
    if (sd_id128_equal(a->boot, b->boot))
        return cmp_u64(a->mono, b->mono);
    return cmp_u64(a->realtime, b->realtime);
}

bool jr_entry_id_same(const struct jr_entry_id *a, const struct jr_entry_id *b) {
    return a->seqnum == b->seqnum && sd_id128_equal(a->seqnum_id, b->seqnum_id) && sd_id128_equal(a->boot, b->boot);
}
