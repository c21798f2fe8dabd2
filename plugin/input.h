/* input.h - one omprog input line -> one struct aura_entry (SPEC §4, §9).
 *
 * Two forms:
 *  - a JSON object from the shipped template (conf/rsyslog.d/60-auralog.conf):
 *      {"time":"2026-11-25T12:00:00.123456+00:00","host":"web1","fromhost_ip":"10.0.0.5",
 *       "severity":"3","facility":"daemon","app":"nginx","procid":"812","msgid":"-",
 *       "sd":"[meta traceId=\"abc\"]","msg":"upstream timed out","fields":{...}}
 *    severity/facility may be numbers or keywords; "-" and "" values are
 *    omitted; "fields" (rsyslog's $! tree) is merged into metadata key by key
 *    after the standard keys (a standard key wins on collision);
 *  - anything else is a raw syslog line: a leading <PRI> gives severity and
 *    facility, the rest is the message, time is now.
 *
 * The entry borrows from the input object: it stays valid until the next
 * omp_input_parse() or omp_input_free().  Nothing is allocated per line
 * for the template's flat objects (the hot path: a json-c parse tree costs
 * more than everything else a message takes); other JSON gets json-c's
 * parse tree. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aura_entry;
struct json_object;
struct json_tokener;

enum omp_input_kind {
    OMP_INPUT_JSON,     /* the template's JSON object */
    OMP_INPUT_RAW,      /* a raw syslog line (plain text or <PRI>) */
    OMP_INPUT_BAD_JSON, /* looked like JSON ('{' or '[') but was not an object: forwarded raw */
};

/* a facility keyword and its code (facility_from_name in input.c) */
#define OMP_CODE_MEMO 16
struct omp_code_memo {
    char text[15];
    unsigned char len; /* 0: empty slot */
    int code;
};

struct omp_input {
    struct json_tokener *tok;
    struct json_object *root; /* the current line's parse tree */
    struct json_object *sd;   /* its parsed structured data */
    /* The template's flat object (string values, "fields":{}) is read
     * without json-c: its values unescaped into flat, NUL-terminated.
     * Anything else goes through json-c. */
    char *flat;
    size_t flat_cap;
    bool no_flat; /* tests: always json-c */
    int severity; /* the current line's severity code (its "severity" field), -1: none */
    struct omp_code_memo facility_memo[OMP_CODE_MEMO];
};

void omp_input_init(struct omp_input *in);
void omp_input_free(struct omp_input *in);

/* Reset e and fill it from line[0..len) (no trailing newline needed; one is
 * stripped).  now_us is used when the line carries no valid time.  Never
 * fails: returns the kind of line it was. */
enum omp_input_kind omp_input_parse(struct omp_input *in, const char *line, size_t len, int64_t now_us,
                                      struct aura_entry *e);

/* RFC 3339 ("2026-11-25T12:00:00.123456+01:00", "...Z", fraction optional)
 * -> µs since the epoch.  0, or -EINVAL. */
int omp_input_parse_time(const char *s, size_t len, int64_t *ret);

/* fromhost-ip of a message that was received from another host (not
 * empty, not 127.0.0.0/8, not ::1 or ::ffff:127.x). */
bool omp_input_is_remote_ip(const char *ip, size_t len);
