/* fuzz_input - one omauralog input line (plugin/input.c): the shipped JSON
 * template or a raw syslog line, then encoded as the wire entry.
 *
 * omp_input_parse() never fails; the entry it fills must encode into strict
 * JSON, and a second line parsed with the same struct omp_input (the
 * entry borrows from it) must not see stale pointers.  The template's flat
 * objects are read without json-c: a parser told to always use json-c must
 * give the same kind and the same encoded entry.  Input: lines split at
 * '\n', each parsed in turn with the same parser. */
#include "fuzz.h"

#include "buf.h"
#include "entry.h"
#include "wire.h"
#include "input.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct aura_buf out = AURA_BUF_INIT, slow_out = AURA_BUF_INIT;

static void check_entry(const struct aura_entry *e) {
    aura_buf_reset(&out);
    aura_wire_entry(e, NULL, "fuzz", 256, &out);
    struct json_object *o = fuzz_parse_strict(out.data, out.len, "omauralog line -> entry");
    if (!json_object_is_type(o, json_type_object))
        fuzz_fail("entry: not an object");
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 18)
        return 0;
    struct omp_input in, slow;
    struct aura_entry e, e2;
    omp_input_init(&in);
    omp_input_init(&slow);
    slow.no_flat = true;
    aura_entry_init(&e);
    aura_entry_init(&e2);
    const char *p = (const char *)data, *end = p + size;
    int lines = 0;
    do {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p + 1) : (size_t)(end - p); /* keep the newline: it is stripped */
        enum omp_input_kind kind = omp_input_parse(&in, p, len, INT64_C(1764072000000000), &e);
        if (kind != OMP_INPUT_JSON && kind != OMP_INPUT_RAW && kind != OMP_INPUT_BAD_JSON)
            fuzz_fail("omp_input_parse: unknown kind %d", (int)kind);
        check_entry(&e);
        enum omp_input_kind kind2 = omp_input_parse(&slow, p, len, INT64_C(1764072000000000), &e2);
        aura_buf_reset(&slow_out);
        aura_wire_entry(&e2, NULL, "fuzz", 256, &slow_out);
        if (kind2 != kind || slow_out.len != out.len || memcmp(slow_out.data, out.data, out.len) != 0)
            fuzz_fail("flat reader and json-c differ: kind %d vs %d, %.*s vs %.*s", (int)kind, (int)kind2,
                      (int)out.len, out.data, (int)slow_out.len, slow_out.data);
        p += len;
    } while (p < end && ++lines < 64);

    /* the helpers on their own, over the whole input */
    int64_t t;
    if (omp_input_parse_time((const char *)data, size, &t) == 0) {
        char ts[28];
        aura_json_format_time(ts, t);
    }
    (void)omp_input_is_remote_ip((const char *)data, size);

    aura_entry_free(&e);
    aura_entry_free(&e2);
    omp_input_free(&in);
    omp_input_free(&slow);
    return 0;
}
