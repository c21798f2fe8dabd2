/* fuzz_json - UTF-8 repair and the JSON writer (lib/json.c).
 *
 * Whatever bytes come in, aura_json_string() must produce one JSON string
 * that json-c parses in strict mode with UTF-8 validation; when the input
 * was valid UTF-8 the string must read back byte for byte.  aura_utf8_cut()
 * must never cut inside a character of valid text, and aura_json_value()
 * must re-encode any tree json-c builds (json-c itself does not validate
 * UTF-8) into strict JSON. */
#include "fuzz.h"

#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct aura_buf out = AURA_BUF_INIT;

static void check_string(const char *s, size_t len) {
    aura_buf_reset(&out);
    aura_buf_puts(&out, "x"); /* not at offset 0: exercises the append path */
    aura_json_string(&out, s, len);
    if (out.data[out.len] != '\0')
        fuzz_fail("aura_json_string: buffer not NUL-terminated");
    struct json_object *o = fuzz_parse_strict(out.data + 1, out.len - 1, "aura_json_string");
    if (!json_object_is_type(o, json_type_string))
        fuzz_fail("aura_json_string: not a JSON string");
    if (fuzz_utf8_valid((const unsigned char *)s, len)) {
        size_t got = (size_t)json_object_get_string_len(o);
        if (got != len || memcmp(json_object_get_string(o), s, len) != 0)
            fuzz_fail("aura_json_string: valid UTF-8 input of %zu bytes read back as %zu different bytes", len, got);
    }
    json_object_put(o);
}

static void check_cut(const char *s, size_t len, size_t max) {
    size_t r = aura_utf8_cut(s, len, max);
    if (len <= max) {
        if (r != len)
            fuzz_fail("aura_utf8_cut: len %zu <= max %zu but cut to %zu", len, max, r);
        return;
    }
    if (r > max)
        fuzz_fail("aura_utf8_cut: cut %zu beyond max %zu", r, max);
    if (fuzz_utf8_valid((const unsigned char *)s, len)) {
        if (max >= 3 && r + 3 < max)
            fuzz_fail("aura_utf8_cut: cut %zu more than 3 bytes before max %zu", r, max);
        if (!fuzz_utf8_valid((const unsigned char *)s, r))
            fuzz_fail("aura_utf8_cut: cut at %zu (max %zu) splits a character of valid UTF-8", r, max);
    }
}

static void check_value(const char *s, size_t len) {
    struct json_tokener *tok = json_tokener_new_ex(200);
    if (!tok)
        abort();
    struct json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    if (!o && json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1);
    json_tokener_free(tok);
    if (!o)
        return;
    aura_buf_reset(&out);
    aura_json_value(&out, o);
    json_object_put(fuzz_parse_strict(out.data, out.len, "aura_json_value"));
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 20)
        return 0;
    const char *s = (const char *)data;
    check_string(s, size);
    if (size >= 2) {
        size_t max = ((size_t)data[0] << 8 | data[1]) % (size + 8);
        check_cut(s + 2, size - 2, max);
    }
    check_value(s, size);
    return 0;
}
