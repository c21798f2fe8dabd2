/* test_content - levels and fields from the message (SPEC §11, lib/content.c). */
#include <json-c/json.h>
#include <string.h>

#include "content.h"
#include "entry.h"
#include "wire.h"
#include "tap.h"

#define S(x) ((x) ? (x) : "(null)")

struct want {
    const char *msg;
    int severity;
    const char *level;   /* after apply */
    const char *from;    /* metadata.level_from, NULL: none */
    const char *message; /* NULL: unchanged */
    const char *trace;   /* traceId, NULL: none */
    const char *stack;   /* stackTrace, NULL: none */
    const char *meta;    /* "key=JSON|key=JSON": metadata members that must be there */
    const char *absent;  /* "key|key": metadata members that must not be there */
};

static const struct want cases[] = {
    /* plain lines stay as they are */
    {"GET /index.html 200", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"0 errors found", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"Errors: none so far", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"errors=3 warnings=1", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from|errors"},
    {"the error was fixed", -1, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"Server started at 10:00", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"[1, 2, 3]", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{not json", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"{\"level\":\"error\"} trailing", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"\"a string\"", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"ERRORS happened", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"error_count=5", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"WARN[0000] logrus text", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    /* level word at the very start */
    {"ERROR:root:something broke", 6, "error", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"WARNING:root:careful", 6, "warn", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"[error] upstream timed out", 6, "error", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"[ERROR]", -1, "error", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"WARN disk almost full", 5, "warn", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"fatal", 6, "fatal", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"Critical: out of memory", 6, "fatal", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"DEBUG cache miss", 6, "debug", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"trace: entering f", 6, "debug", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"Error: connect ECONNREFUSED 127.0.0.1:5432", 6, "error", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"emerg\tboom", 6, "fatal", "prefix", NULL, NULL, NULL, NULL, NULL},
    {"[warn ] spaced bracket", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    /* an explicit severity other than notice/info is never changed */
    {"ERROR:root:x", 4, "warn", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"DEBUG x", 3, "error", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"ERROR x", 7, "debug", NULL, NULL, NULL, NULL, NULL, "level_from"},
    /* klog / glog */
    {"E1201 07:00:00.123456    1234 server.go:120] connection refused", 6, "error", "klog", "connection refused",
     NULL, NULL, NULL, NULL},
    {"W0102 15:04:05.000001 7 x.go:1] slow", 6, "warn", "klog", "slow", NULL, NULL, NULL, NULL},
    {"F1201 07:00:00 1 main.go:9] dead", -1, "fatal", "klog", "dead", NULL, NULL, NULL, NULL},
    {"I1201 07:00:00.1 1 main.go:9] ok", 6, "info", "klog", "ok", NULL, NULL, NULL, NULL},
    {"E1201 is not klog", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    /* JSON: zap, slog, zerolog, logrus, pino, bunyan, ECS, Serilog */
    {"{\"level\":\"error\",\"ts\":1700000000.1,\"caller\":\"x.go:1\",\"msg\":\"db down\",\"user\":\"bob\"}", 6,
     "error", "json", "db down", NULL, NULL, "user=\"bob\"|caller=\"x.go:1\"|ts=1700000000.1", "msg|level"},
    {"{\"time\":\"2026-01-01T00:00:00Z\",\"level\":\"WARN\",\"msg\":\"slow\",\"ms\":1200}", 6, "warn", "json", "slow",
     NULL, NULL, "ms=1200", NULL},
    {"{\"level\":\"fatal\",\"message\":\"bye\"}", 6, "fatal", "json", "bye", NULL, NULL, NULL, "message"},
    {"{\"level\":50,\"time\":1,\"pid\":9,\"hostname\":\"h\",\"msg\":\"pino error\"}", 6, "error", "json",
     "pino error", NULL, NULL, "hostname=\"h\"", NULL},
    {"{\"level\":30,\"msg\":\"pino info\"}", 6, "info", "json", "pino info", NULL, NULL, NULL, NULL},
    {"{\"level\":60,\"msg\":\"x\"}", -1, "fatal", "json", "x", NULL, NULL, NULL, NULL},
    {"{\"level\":20,\"msg\":\"x\"}", 6, "debug", "json", "x", NULL, NULL, NULL, NULL},
    {"{\"@timestamp\":\"t\",\"log.level\":\"error\",\"message\":\"ecs\",\"trace.id\":\"abc\",\"error.stack_trace\":"
     "\"E\\n\\tat x\"}",
     6, "error", "json", "ecs", "abc", "E\n\tat x", "@timestamp=\"t\"", "log.level|trace.id"},
    {"{\"log\":{\"level\":\"warn\"},\"message\":\"nested ecs\"}", 6, "warn", "json", "nested ecs", NULL, NULL,
     "log={\"level\":\"warn\"}", NULL},
    {"{\"@t\":\"2026\",\"@m\":\"serilog\",\"@l\":\"Error\",\"@x\":\"System.Exception: x\\n   at A.B()\"}", 6,
     "error", "json", "serilog", NULL, "System.Exception: x\n   at A.B()", "@t=\"2026\"", "@l|@x|@m"},
    {"{\"severity\":\"ERROR\",\"message\":\"gcp\",\"trace_id\":\"t1\"}", 6, "error", "json", "gcp", "t1", NULL, NULL,
     "trace_id"},
    {"{\"levelname\":\"CRITICAL\",\"msg\":\"py\",\"stack\":\"s\"}", 6, "fatal", "json", "py", NULL, "s", NULL, NULL},
    {"{\"msg\":\"no level\",\"traceId\":\"t2\"}", 6, "info", NULL, "no level", "t2", NULL, NULL, "level_from"},
    {"{\"level\":\"error\",\"msg\":\"explicit\"}", 4, "warn", NULL, "explicit", NULL, NULL, NULL, "level_from"},
    {"{\"severity\":\"high\",\"msg\":\"not a level\"}", 6, "info", NULL, "not a level", NULL, NULL,
     "severity=\"high\"", NULL},
    {"{\"level\":\"error\",\"msg\":42}", 6, "error", "json", NULL, NULL, NULL, "msg=42", NULL},
    {"{\"level\":\"info\",\"host\":\"evil\",\"msg\":\"collide\"}", 6, "info", "json", "collide", NULL, NULL,
     "host=\"web1\"", NULL},
    {"{\"level\":\"error\",\"msg\":\"nl\"}  ", 6, "error", "json", "nl", NULL, NULL, NULL, NULL},
    {"{}", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    /* logfmt */
    {"level=error msg=\"db down\" user=bob trace_id=t3", 6, "error", "logfmt", "db down", "t3", NULL,
     "user=\"bob\"", "level|msg|trace_id"},
    {"ts=2026-01-01T00:00:00Z lvl=warn msg=slow duration=1.2s", 6, "warn", "logfmt", "slow", NULL, NULL,
     "ts=\"2026-01-01T00:00:00Z\"|duration=\"1.2s\"", NULL},
    {"time=\"x\" level=info msg=\"quoted \\\"inner\\\" text\"", 6, "info", "logfmt", "quoted \"inner\" text", NULL,
     NULL, NULL, NULL},
    {"level=error msg=x stack=\"a\\nb\"", 6, "error", "logfmt", "x", NULL, "a\nb", NULL, NULL},
    {"msg=hello user=bob", 6, "info", NULL, NULL, NULL, NULL, NULL, "user"},
    {"user logged in level=error", 6, "info", NULL, NULL, NULL, NULL, NULL, "level_from"},
    {"level=error msg=\"unterminated", 6, "info", NULL, NULL, NULL, NULL, NULL, NULL},
    {"level=bogus msg=x a=b", 6, "info", NULL, "x", NULL, NULL, "level=\"bogus\"|a=\"b\"", "level_from"},
    {"level=error msg=x host=evil", 6, "error", "logfmt", "x", NULL, NULL, "host=\"web1\"", NULL},
};

static struct json_object *encode(const struct aura_entry *e) {
    struct aura_buf out = AURA_BUF_INIT;
    aura_wire_entry(e, NULL, "test", 65536, &out);
    struct json_object *o = json_tokener_parse(out.data);
    aura_buf_free(&out);
    return o;
}

static const char *member(struct json_object *o, const char *k) {
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v))
        return NULL;
    return json_object_get_string(v);
}

/* CHECK_STR as a function: gcc's format-overflow check misreads the macro with a table's NULLs */
__attribute__((noinline)) static void check_str(const char *got, const char *want, const char *msg, const char *what) {
    int ok = (!got && !want) || (got && want && strcmp(got, want) == 0);
    if (!tap_check(ok, "[%s] %s", msg, what))
        printf("#   got \"%s\", want \"%s\"\n", S(got), S(want));
}

static void test_table(void) {
    struct aura_content c;
    struct aura_entry e;
    aura_content_init(&c);
    aura_entry_init(&e);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct want *w = &cases[i];
        aura_entry_reset(&e);
        e.level = aura_level_from_severity(w->severity);
        e.message = w->msg;
        e.message_len = strlen(w->msg);
        aura_entry_add_cstr(&e, "host", "web1"); /* a front-end key: wins over the message's */
        aura_content_apply(&c, &e, w->severity);
        struct json_object *o = encode(&e);
        CHECK(o != NULL, "case %zu encodes to JSON", i);
        struct json_object *meta = NULL;
        if (o)
            json_object_object_get_ex(o, "metadata", &meta);
        check_str(member(o, "level"), w->level, w->msg, "level");
        check_str(member(meta, "level_from"), w->from, w->msg, "level_from");
        check_str(member(o, "message"), w->message ? w->message : w->msg, w->msg, "message");
        check_str(member(o, "traceId"), w->trace, w->msg, "traceId");
        check_str(member(o, "stackTrace"), w->stack, w->msg, "stackTrace");
        if (w->meta) {
            char buf[512];
            snprintf(buf, sizeof(buf), "%s", w->meta);
            for (char *save = NULL, *kv = strtok_r(buf, "|", &save); kv; kv = strtok_r(NULL, "|", &save)) {
                char *eq = strchr(kv, '=');
                *eq = '\0';
                struct json_object *v = NULL;
                const char *got = meta && json_object_object_get_ex(meta, kv, &v)
                                      ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
                                      : NULL;
                check_str(got, eq + 1, w->msg, kv);
            }
        }
        if (w->absent) {
            char buf[256];
            snprintf(buf, sizeof(buf), "%s", w->absent);
            for (char *save = NULL, *k = strtok_r(buf, "|", &save); k; k = strtok_r(NULL, "|", &save))
                CHECK(!meta || !json_object_object_get_ex(meta, k, NULL), "[%s] no metadata.%s", w->msg, k);
        }
        json_object_put(o);
    }
    aura_entry_free(&e);
    aura_content_free(&c);
}

/* levels = false / structured = false */
static void test_switches(void) {
    struct aura_content c;
    struct aura_entry e;
    aura_content_init(&c);
    aura_entry_init(&e);
    c.levels = false;
    const char *js = "{\"level\":\"error\",\"msg\":\"m\",\"k\":1}";
    e.message = js;
    e.message_len = strlen(js);
    CHECK_INT(aura_content_apply(&c, &e, 6), AURA_FROM_NONE, "levels=false: no level from JSON");
    CHECK_INT(e.level, AURA_LEVEL_INFO, "levels=false: level stays info");
    CHECK(e.message_len == 1 && e.message[0] == 'm', "levels=false: structured still takes msg");
    CHECK(aura_entry_has(&e, "level"), "levels=false: level key stays in metadata");
    aura_entry_reset(&e);
    e.message = "ERROR:root:x";
    e.message_len = 12;
    CHECK_INT(aura_content_apply(&c, &e, 6), AURA_FROM_NONE, "levels=false: no prefix level");
    c.levels = true;
    c.structured = false;
    aura_entry_reset(&e);
    e.message = js;
    e.message_len = strlen(js);
    CHECK_INT(aura_content_apply(&c, &e, 6), AURA_FROM_JSON, "structured=false: level from JSON");
    CHECK(e.message == js, "structured=false: message untouched");
    CHECK(!aura_entry_has(&e, "k"), "structured=false: no metadata from JSON");
    aura_entry_free(&e);
    aura_content_free(&c);
}

static void test_words(void) {
    static const struct {
        const char *w;
        int level;
    } t[] = {
        {"trace", AURA_LEVEL_DEBUG}, {"DEBUG", AURA_LEVEL_DEBUG},  {"Info", AURA_LEVEL_INFO},
        {"information", AURA_LEVEL_INFO}, {"notice", AURA_LEVEL_INFO}, {"warn", AURA_LEVEL_WARN},
        {"WARNING", AURA_LEVEL_WARN}, {"err", AURA_LEVEL_ERROR},   {"Error", AURA_LEVEL_ERROR},
        {"crit", AURA_LEVEL_FATAL},  {"critical", AURA_LEVEL_FATAL}, {"FATAL", AURA_LEVEL_FATAL},
        {"panic", AURA_LEVEL_FATAL}, {"alert", AURA_LEVEL_FATAL},  {"emerg", AURA_LEVEL_FATAL},
        {"errors", -1},              {"warnings", -1},             {"in", -1},
        {"", -1},                    {"emergency", -1},            {"informational", -1},
        {"wArN", AURA_LEVEL_WARN},   {"CRIT", AURA_LEVEL_FATAL},   {"crix", -1},
        {"erro", -1},                {"Alerts", -1},               {"tracE", AURA_LEVEL_DEBUG},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_INT(aura_content_level_word(t[i].w, strlen(t[i].w)), t[i].level, "level word \"%s\"", t[i].w);
}

int main(void) {
    test_words();
    test_table();
    test_switches();
    return tap_done();
}
