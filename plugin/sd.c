#include "sd.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"

/* RFC 5424: SD-NAME = 1*32 PRINTUSASCII except '=', SP, ']', '"' */
static bool sd_name_char(unsigned char c) {
    return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
}

static size_t sd_name(const char *s, size_t len, size_t i) {
    size_t start = i;
    while (i < len && sd_name_char((unsigned char)s[i]))
        i++;
    return i - start;
}

/* Add value under name in elem; a repeated name turns into an array. */
static void add_param(struct json_object *elem, const char *name, const char *val, size_t vlen) {
    struct json_object *v = json_object_new_string_len(val, (int)vlen), *old;
    if (!json_object_object_get_ex(elem, name, &old)) {
        json_object_object_add(elem, name, v);
        return;
    }
    if (json_object_is_type(old, json_type_array)) {
        json_object_array_add(old, v);
        return;
    }
    struct json_object *arr = json_object_new_array();
    json_object_array_add(arr, json_object_get(old));
    json_object_array_add(arr, v);
    json_object_object_add(elem, name, arr);
}

int omp_sd_parse(const char *s, size_t len, struct json_object **ret) {
    struct aura_buf name = AURA_BUF_INIT, val = AURA_BUF_INIT;
    struct json_object *root = NULL;
    size_t i = 0;
    int r = -EINVAL;

    *ret = NULL;
    if (len == 0 || (len == 1 && s[0] == '-'))
        return 0;

    root = json_object_new_object();
    while (i < len) {
        struct json_object *elem;
        size_t n;

        if (s[i] != '[')
            goto out;
        i++;
        n = sd_name(s, len, i);
        if (n == 0 || i + n >= len)
            goto out;
        aura_buf_reset(&name);
        aura_buf_append(&name, s + i, n);
        i += n;
        if (!json_object_object_get_ex(root, name.data, &elem)) {
            elem = json_object_new_object();
            json_object_object_add(root, name.data, elem);
        }
        for (;;) {
            if (i >= len)
                goto out;
            if (s[i] == ']') {
                i++;
                break;
            }
            if (s[i] != ' ')
                goto out;
            while (i < len && s[i] == ' ')
                i++;
            if (i < len && s[i] == ']')
                continue; /* tolerate a space before ']' */
            n = sd_name(s, len, i);
            if (n == 0 || i + n + 2 > len || s[i + n] != '=' || s[i + n + 1] != '"')
                goto out;
            aura_buf_reset(&name);
            aura_buf_append(&name, s + i, n);
            i += n + 2;
            aura_buf_reset(&val);
            for (;;) {
                if (i >= len)
                    goto out; /* unterminated value */
                char c = s[i++];
                if (c == '"')
                    break;
                if (c == '\\' && i < len && (s[i] == '"' || s[i] == '\\' || s[i] == ']'))
                    c = s[i++];
                aura_buf_putc(&val, c);
            }
            add_param(elem, name.data, val.data ? val.data : "", val.len);
        }
    }
    *ret = root;
    root = NULL;
    r = 0;
out:
    json_object_put(root);
    aura_buf_free(&name);
    aura_buf_free(&val);
    return r;
}

static const char *find_param(struct json_object *sd, const char *param, size_t *len) {
    json_object_object_foreach(sd, id, elem) {
        struct json_object *v;
        (void)id;
        if (!json_object_is_type(elem, json_type_object) || !json_object_object_get_ex(elem, param, &v))
            continue;
        if (json_object_is_type(v, json_type_array))
            v = json_object_array_get_idx(v, 0);
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
            continue;
        *len = (size_t)json_object_get_string_len(v);
        return json_object_get_string(v);
    }
    return NULL;
}

const char *omp_sd_trace_id(struct json_object *sd, size_t *len) {
    const char *t;
    if (!sd || !json_object_is_type(sd, json_type_object))
        return NULL;
    t = find_param(sd, "traceId", len);
    return t ? t : find_param(sd, "trace_id", len);
}
