/* fuzz_content - levels and fields from the message, and stack-trace
 * folding (lib/content.c, lib/multiline.c).
 *
 * The input is a run of lines (0xff-separated chunks); the first byte of
 * each picks its stream (one of 4) and severity.  Every line goes through
 * aura_content_apply() then aura_multiline_feed(), as a front end does;
 * every entry that comes out (passed, released or folded) must encode to
 * JSON that parses strictly, a folded one must carry stackTrace and
 * stack_lines, and at the end, after aura_multiline_finish_all(), nothing
 * may stay held.  Small limits make the cut and eviction paths run. */
#include "fuzz.h"

#include "buf.h"
#include "content.h"
#include "entry.h"
#include "wire.h"
#include "multiline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct aura_buf out = AURA_BUF_INIT;

static void check(const struct aura_entry *e, const char *what) {
    aura_buf_reset(&out);
    aura_wire_entry(e, NULL, "fuzz", 200, &out);
    struct json_object *o = fuzz_parse_strict(out.data, out.len, what);
    if (!json_object_is_type(o, json_type_object))
        fuzz_fail("%s: not an object", what);
    json_object_put(o);
}

static void drain(struct aura_multiline *m) {
    const struct aura_entry *e;
    while ((e = aura_multiline_peek(m))) {
        if (aura_multiline_peek(m) != e)
            fuzz_fail("aura_multiline_peek: not the same entry twice");
        if (e->stack_trace && !aura_entry_has(e, "stack_lines") && !aura_entry_has(e, "level_from") &&
            e->stack_trace_len == 0)
            fuzz_fail("folded entry without stack_lines");
        check(e, "multiline output");
        aura_multiline_pop(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16)
        return 0;
    struct aura_multiline_opts opts = {.timeout_us = 1000, .max_lines = 7, .max_bytes = 300,
                                       .max_held_bytes = 4096, .max_streams = 3};
    struct aura_multiline *m;
    if (aura_multiline_new(&opts, &m) < 0)
        abort();
    struct aura_content c;
    aura_content_init(&c);
    struct aura_entry e;
    aura_entry_init(&e);
    struct fuzz_in in = {data, size};
    uint64_t token = 0, now = 0;
    while (in.n) {
        uint8_t sel = fuzz_byte(&in);
        size_t len;
        const char *line = fuzz_chunk(&in, &len);
        char key[2] = {(char)('a' + (sel & 3)), 0};
        int severity = (sel >> 2) & 7;
        if (sel & 0x80)
            severity = -1;
        c.levels = !(sel & 0x20) || (sel & 0x40);
        aura_entry_reset(&e);
        e.level = aura_level_from_severity(severity);
        e.message = line;
        e.message_len = len;
        e.time_us = (int64_t)token;
        aura_entry_add_cstr(&e, "host", "h");
        enum aura_level_from from = aura_content_apply(&c, &e, severity);
        if (from != AURA_FROM_NONE && !aura_entry_has(&e, "level_from"))
            fuzz_fail("aura_content_apply: level from content without level_from");
        check(&e, "content output");
        now += (sel & 0x10) ? 2000 : 10;
        aura_multiline_expire(m, now);
        drain(m);
        uint64_t low = aura_multiline_low_held(m);
        if (low != UINT64_MAX && low > token)
            fuzz_fail("low_held %llu beyond the last token %llu", (unsigned long long)low, (unsigned long long)token);
        enum aura_ml_result r = aura_multiline_feed(m, key, 1, &e, severity,
                                                    from == AURA_FROM_JSON || from == AURA_FROM_LOGFMT, ++token, now);
        drain(m);
        if (r == AURA_ML_PASS)
            check(&e, "passed line");
    }
    aura_multiline_finish_all(m);
    drain(m);
    if (aura_multiline_low_held(m) != UINT64_MAX)
        fuzz_fail("something held after finish_all + drain");
    struct aura_multiline_stats st;
    aura_multiline_get_stats(m, &st);
    if (st.streams || st.held_bytes)
        fuzz_fail("state left: %zu streams, %zu bytes", st.streams, st.held_bytes);
    aura_entry_free(&e);
    aura_content_free(&c);
    aura_multiline_free(m);
    return 0;
}
