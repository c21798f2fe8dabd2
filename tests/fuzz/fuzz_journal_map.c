/* fuzz_journal_map - journal fields to an entry (journal-reader/map.c).
 *
 * The first chunk (up to 0xff) is the [journal] fields setting ("*" or
 * space-separated names); then each chunk is one "FIELD=value" as
 * sd_journal_enumerate_data() hands it (any bytes).  Two entries are mapped
 * with the same mapper (buffers are reused), each encoded and parsed back
 * strictly. */
#include "fuzz.h"

#include "buf.h"
#include "entry.h"
#include "wire.h"
#include "json.h"
#include "map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct aura_buf out = AURA_BUF_INIT;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 18)
        return 0;
    struct fuzz_in in = {data, size};
    struct jr_map m;
    jr_map_init(&m);
    m.self_identifier = "auralog-journald";

    size_t len;
    const char *spec = fuzz_chunk(&in, &len);
    char *copy = strndup(spec, len);
    char *fields[17];
    size_t nf = 0;
    bool all = strcmp(copy, "*") == 0;
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && nf < 16; t = strtok_r(NULL, " ", &save))
        fields[nf++] = t;
    fields[nf] = NULL;
    jr_map_set_fields(&m, nf ? fields : NULL, all);
    free(copy);

    char name[64];
    (void)jr_map_field_name(spec, len, name, sizeof name);
    if (strlen(name) >= sizeof name)
        fuzz_fail("jr_map_field_name: overflow");

    for (int round = 0; round < 2; round++) {
        jr_map_begin(&m);
        int n = 0;
        while (in.n && n++ < 200) {
            const char *f = fuzz_chunk(&in, &len);
            if (len == 1 && f[0] == '\n')
                break; /* next entry */
            jr_map_add(&m, f, len);
        }
        struct aura_entry *e = jr_map_end(&m, INT64_C(1764072000000000));
        aura_buf_reset(&out);
        aura_wire_entry(e, NULL, "fuzz", 1024, &out);
        struct json_object *o = fuzz_parse_strict(out.data, out.len, "journal entry -> wire entry");
        if (!json_object_is_type(o, json_type_object))
            fuzz_fail("journal entry: not an object");
        json_object_put(o);
    }
    jr_map_free(&m);
    return 0;
}
