/* test_global - global metadata and its merge under per-entry metadata (SPEC §4). */
#include <string.h>

#include <json-c/json.h>

#include "settings.h"
#include "entry.h"
#include "wire.h"
#include "global.h"
#include "host.h"
#include "tap.h"

static struct aura_kv static_pairs[] = {
    {(char *)"app", (char *)"checkout"},
    {(char *)"team", (char *)"payments"},
    {(char *)"truncated", (char *)"reserved"}, /* written by the encoder only: dropped */
};

static struct aura_host host = {
    (char *)"web-1", (char *)"4f1e0c2a9b", (char *)"b00dcafe", (char *)"Debian GNU/Linux 12 (bookworm)",
    (char *)"6.1.0-18-amd64",
};

/* The merged metadata of e under g, as an object (NULL when there is none). */
static struct json_object *merged(const struct aura_entry *e, const struct aura_global *g, struct aura_buf *b) {
    aura_buf_reset(b);
    bool first = true;
    aura_buf_putc(b, '{');
    aura_wire_global_merged(b, e, g, &first);
    aura_buf_putc(b, '}');
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, b->data, (int)b->len);
    json_tokener_free(tok);
    CHECK(o != NULL, "merged metadata parses: %s", b->data);
    return o;
}

/* "k=v k=v" of o in order, for compact expectations */
static const char *flat(struct json_object *o, char *out, size_t n) {
    out[0] = '\0';
    if (!o)
        return out;
    size_t len = 0;
    json_object_object_foreach(o, k, v) {
        const char *s = json_object_get_string(v);
        int w = snprintf(out + len, n - len, "%s%s=%s", len ? " " : "", k, s);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
    return out;
}

static void test_new(void) {
    struct aura_settings cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.global = static_pairs;
    cfg.n_global = 3;
    struct aura_global *g = aura_global_new(&cfg, &host);
    CHECK_INT(g->n_pairs, 7, "2 static pairs (reserved key dropped) + 5 host pairs");
    CHECK_STR(g->relay, "web-1", "relay is the bridge hostname");
    int host_keys = 0;
    for (size_t i = 0; i < g->n_pairs; i++)
        host_keys += g->pairs[i].host_key;
    CHECK_INT(host_keys, 5, "five host keys");
    aura_global_free(g);

    g = aura_global_new(&cfg, NULL);
    CHECK_INT(g->n_pairs, 2, "host_metadata = false: static pairs only");
    CHECK(g->relay == NULL, "host_metadata = false: no relay");
    aura_global_free(g);

    struct aura_host partial = {(char *)"h", NULL, (char *)"", NULL, (char *)"6.1"};
    g = aura_global_new(NULL, &partial);
    CHECK_INT(g->n_pairs, 2, "unreadable host sources leave their keys out");
    aura_global_free(g);

    /* an explicitly configured host wins over the detected one */
    struct aura_kv own_host[] = {{(char *)"host", (char *)"configured"}};
    cfg.global = own_host;
    cfg.n_global = 1;
    g = aura_global_new(&cfg, &host);
    CHECK(g->n_pairs == 5 && strcmp(g->pairs[0].key, "host") == 0 && strcmp(g->pairs[0].value, "configured") == 0 &&
              !g->pairs[0].host_key,
          "static host pair wins over the detected hostname");
    aura_global_free(g);
    aura_global_free(NULL);
}

static void test_merge(void) {
    struct aura_settings cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.global = static_pairs;
    cfg.n_global = 2;
    struct aura_global *g = aura_global_new(&cfg, &host);
    struct aura_global *g_nohost = aura_global_new(&cfg, NULL);
    struct aura_buf b = AURA_BUF_INIT;
    char s[512];

    static const struct {
        const char *name;
        bool relayed;
        bool with_host;
        const char *entry_keys; /* space-separated keys the entry carries */
        const char *want;
    } t[] = {
        {"plain entry gets everything", false, true, "",
         "app=checkout team=payments host=web-1 machine_id=4f1e0c2a9b boot_id=b00dcafe "
         "os=Debian GNU/Linux 12 (bookworm) kernel=6.1.0-18-amd64"},
        {"per-entry wins", false, true, "app host boot_id",
         "team=payments machine_id=4f1e0c2a9b os=Debian GNU/Linux 12 (bookworm) kernel=6.1.0-18-amd64"},
        {"relayed: host keys dropped, relay added", true, true, "",
         "app=checkout team=payments relay=web-1"},
        {"relayed: static pairs still yield to the entry", true, true, "team host",
         "app=checkout relay=web-1"},
        {"relayed: entry's own relay wins", true, true, "relay", "app=checkout team=payments"},
        {"host_metadata=false: no host keys", false, false, "", "app=checkout team=payments"},
        {"host_metadata=false, relayed: no relay either", true, false, "", "app=checkout team=payments"},
        {"every key taken by the entry", false, true, "app team host machine_id boot_id os kernel", ""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct aura_entry e;
        aura_entry_init(&e);
        e.relayed = t[i].relayed;
        char keys[128], *save = NULL;
        snprintf(keys, sizeof(keys), "%s", t[i].entry_keys);
        for (char *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save))
            aura_entry_add_cstr(&e, k, "entry");
        struct json_object *o = merged(&e, t[i].with_host ? g : g_nohost, &b);
        CHECK_STR(flat(o, s, sizeof(s)), t[i].want, "%s", t[i].name);
        json_object_put(o);
        aura_entry_free(&e);
    }

    /* separators: continues after members already written */
    struct aura_entry e;
    aura_entry_init(&e);
    aura_buf_reset(&b);
    bool first = false;
    aura_wire_global_merged(&b, &e, g_nohost, &first);
    CHECK_STR(b.data, ",\"app\":\"checkout\",\"team\":\"payments\"", "leading comma when not first");
    aura_buf_reset(&b);
    first = true;
    aura_wire_global_merged(&b, &e, NULL, &first);
    CHECK(b.len == 0 && first, "NULL global writes nothing");
    aura_entry_free(&e);

    /* a static pair named relay is kept for local entries, replaced for relayed ones */
    struct aura_kv relay_pair[] = {{(char *)"relay", (char *)"static"}};
    cfg.global = relay_pair;
    cfg.n_global = 1;
    struct aura_global *g2 = aura_global_new(&cfg, &host);
    aura_entry_init(&e);
    struct json_object *o = merged(&e, g2, &b);
    CHECK_STR(json_object_get_string(json_object_object_get(o, "relay")), "static", "local entry: static relay");
    json_object_put(o);
    e.relayed = true;
    o = merged(&e, g2, &b);
    CHECK_STR(flat(o, s, sizeof(s)), "relay=web-1", "relayed entry: one relay, the bridge's");
    json_object_put(o);
    aura_entry_free(&e);
    aura_global_free(g2);

    aura_buf_free(&b);
    aura_global_free(g);
    aura_global_free(g_nohost);
}

/* The joined blocks (aura_wire_global_join) against the merge pair by pair
 * (the same global without them), for entries with and without the global
 * keys, relayed and local, under globals with and without host and relay. */
static void test_joined(void) {
    static struct aura_kv kv[] = {
        {(char *)"app", (char *)"checkout"},
        {(char *)"relay", (char *)"static-relay"},
        {(char *)"we\"ird", (char *)"v\x01al"},
    };
    struct aura_settings cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.global = kv;
    cfg.n_global = 3;
    struct aura_global *globals[] = {
        aura_global_new(&cfg, &host), aura_global_new(&cfg, NULL), aura_global_new(NULL, &host),
        aura_global_new(NULL, NULL),
    };
    /* fields of the entries: none, other keys, each global key, keys
     * sharing a fingerprint or a bloom bit with none of them */
    static const char *const keys[][3] = {
        {NULL},           {"program", "pid", NULL}, {"app", NULL},     {"host", NULL},
        {"relay", NULL},  {"we\"ird", NULL},        {"kernel", "os", NULL}, {"machine_id", "app", "relay"},
        {"boot_id", NULL}, {"apx", "hosu", NULL},   {"", NULL},
    };
    struct aura_buf fast = AURA_BUF_INIT, slow = AURA_BUF_INIT;
    size_t joined_used = 0, cases = 0;
    for (size_t gi = 0; gi < sizeof globals / sizeof globals[0]; gi++) {
        struct aura_global *g = globals[gi];
        struct aura_global plain = *g;
        plain.joined[0] = plain.joined[1] = NULL;
        for (size_t ki = 0; ki < sizeof keys / sizeof keys[0]; ki++) {
            for (int relayed = 0; relayed < 2; relayed++) {
                struct aura_entry e;
                aura_entry_init(&e);
                e.relayed = relayed;
                for (size_t j = 0; j < 3 && keys[ki][j]; j++)
                    aura_entry_add_cstr(&e, keys[ki][j], "entry");
                for (int first = 0; first < 2; first++) {
                    bool f1 = first, f2 = first;
                    aura_buf_reset(&fast);
                    aura_buf_reset(&slow);
                    aura_buf_append(&fast, "{\"x\":1", 6);
                    aura_buf_append(&slow, "{\"x\":1", 6);
                    aura_wire_global_merged(&fast, &e, g, &f1);
                    aura_wire_global_merged(&slow, &e, &plain, &f2);
                    cases++;
                    if (!(e.key_bloom & g->joined_bloom[relayed]))
                        joined_used++;
                    CHECK(fast.len == slow.len && memcmp(fast.data, slow.data, fast.len) == 0 && f1 == f2,
                          "global %zu, keys %zu, relayed %d, first %d: joined %s == pair by pair %s", gi, ki,
                          relayed, first, fast.data, slow.data);
                }
                aura_entry_free(&e);
            }
        }
        aura_global_free(g);
    }
    CHECK(joined_used > 0 && joined_used < cases, "whole block and runs both taken (%zu of %zu whole)", joined_used,
          cases);
    aura_buf_free(&fast);
    aura_buf_free(&slow);
}

int main(void) {
    test_new();
    test_merge();
    test_joined();
    return tap_done();
}
