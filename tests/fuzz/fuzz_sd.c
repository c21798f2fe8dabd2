/* fuzz_sd - RFC 5424 STRUCTURED-DATA (plugin/sd.c).
 *
 * omp_sd_parse() either refuses (-EINVAL, *ret NULL) or builds an object
 * of objects whose values are strings or arrays of strings; re-encoded by
 * the JSON writer it must parse back strictly.  The trace id it finds must
 * be a string of the tree. */
#include <errno.h>

#include "fuzz.h"

#include "buf.h"
#include "json.h"
#include "sd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct aura_buf out = AURA_BUF_INIT;

static void check_shape(struct json_object *sd) {
    if (!json_object_is_type(sd, json_type_object))
        fuzz_fail("omp_sd_parse: result is not an object");
    json_object_object_foreach(sd, id, params) {
        (void)id;
        if (!json_object_is_type(params, json_type_object))
            fuzz_fail("omp_sd_parse: element \"%s\" is not an object", id);
        json_object_object_foreach(params, name, v) {
            (void)name;
            if (json_object_is_type(v, json_type_string))
                continue;
            if (!json_object_is_type(v, json_type_array))
                fuzz_fail("omp_sd_parse: param %s.%s neither string nor array", id, name);
            for (size_t i = 0; i < json_object_array_length(v); i++)
                if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
                    fuzz_fail("omp_sd_parse: param %s.%s holds a non-string", id, name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 18)
        return 0;
    struct json_object *sd = (struct json_object *)(uintptr_t)1; /* must be overwritten */
    int r = omp_sd_parse((const char *)data, size, &sd);
    if (r < 0) {
        if (r != -EINVAL)
            fuzz_fail("omp_sd_parse: returned %d, not 0 or -EINVAL", r);
        if (sd)
            fuzz_fail("omp_sd_parse: failed but *ret is not NULL");
        return 0;
    }
    if (r != 0)
        fuzz_fail("omp_sd_parse: returned %d", r);
    if (!sd)
        return 0;
    check_shape(sd);
    aura_buf_reset(&out);
    aura_json_value(&out, sd);
    json_object_put(fuzz_parse_strict(out.data, out.len, "omp_sd_parse -> aura_json_value"));
    size_t tlen = 0;
    const char *trace = omp_sd_trace_id(sd, &tlen);
    if (trace) {
        aura_buf_reset(&out);
        aura_json_string(&out, trace, tlen); /* reads every byte of it: ASan checks the length */
    }
    json_object_put(sd);
    return 0;
}
