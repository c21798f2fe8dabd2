/* test_multiline - stack traces folded into one entry (SPEC §11, lib/multiline.c).
 *
 * The traces are real runtime output from tests/fixtures/stacktraces/ (see
 * its README for the versions). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "entry.h"
#include "wire.h"
#include "multiline.h"
#include "tap.h"

#define S(x) ((x) ? (x) : "(null)")
#define SEC 1000000ULL

/* What came out, in order: one record per entry sent. */
struct out {
    char kind; /* 'F' folded, 'P' passed through (by the caller or released by the engine) */
    char level[8];
    char *message;
    char *stack;
    char *stream;
    long lines;   /* metadata.stack_lines, -1 when none */
    int truncated;
    int64_t time_us;
};

static struct out outs[65536];
static size_t n_outs;
static struct aura_buf enc = AURA_BUF_INIT;

static void record(const struct aura_entry *e, char kind) {
    struct out *o = &outs[n_outs++];
    aura_buf_reset(&enc);
    aura_wire_entry(e, NULL, "t", 0, &enc);
    struct json_object *j = json_tokener_parse(enc.data), *v, *meta = NULL;
    json_object_object_get_ex(j, "metadata", &meta);
    o->kind = kind;
    snprintf(o->level, sizeof(o->level), "%s", json_object_object_get_ex(j, "level", &v) ? json_object_get_string(v) : "");
    o->message = strdup(json_object_object_get_ex(j, "message", &v) ? json_object_get_string(v) : "");
    o->stack = json_object_object_get_ex(j, "stackTrace", &v) ? strdup(json_object_get_string(v)) : NULL;
    o->stream = strdup(meta && json_object_object_get_ex(meta, "stream", &v) ? json_object_get_string(v) : "");
    o->lines = meta && json_object_object_get_ex(meta, "stack_lines", &v) ? (long)json_object_get_int64(v) : -1;
    o->truncated = meta && json_object_object_get_ex(meta, "truncated", &v) && json_object_get_boolean(v);
    o->time_us = e->time_us;
    json_object_put(j);
}

static void reset_outs(void) {
    for (size_t i = 0; i < n_outs; i++) {
        free(outs[i].message);
        free(outs[i].stack);
        free(outs[i].stream);
    }
    n_outs = 0;
}

static void drain(struct aura_multiline *m) {
    const struct aura_entry *e;
    while ((e = aura_multiline_peek(m))) {
        record(e, e->stack_trace ? 'F' : 'P');
        aura_multiline_pop(m);
    }
}

static uint64_t token;

/* Feed one line of stream key as a front end does; returns the result. */
static enum aura_ml_result feed_sev(struct aura_multiline *m, const char *key, const char *line, int severity,
                                    uint64_t now) {
    struct aura_entry e;
    aura_entry_init(&e);
    e.level = aura_level_from_severity(severity);
    e.message = line;
    e.message_len = strlen(line);
    e.time_us = (int64_t)(1000 + token);
    aura_entry_add_cstr(&e, "stream", key);
    aura_entry_add_cstr(&e, "host", "web1");
    enum aura_ml_result r = aura_multiline_feed(m, key, strlen(key), &e, severity, false, ++token, now);
    drain(m);
    if (r == AURA_ML_PASS)
        record(&e, 'P');
    aura_entry_free(&e);
    return r;
}

static enum aura_ml_result feed(struct aura_multiline *m, const char *key, const char *line) {
    return feed_sev(m, key, line, 6, 0);
}

static struct aura_multiline *new_engine(size_t max_lines, size_t max_bytes) {
    struct aura_multiline_opts o = {.timeout_us = SEC, .max_lines = max_lines, .max_bytes = max_bytes};
    struct aura_multiline *m;
    if (aura_multiline_new(&o, &m) < 0)
        abort();
    return m;
}

static char *read_fixture(const char *name) {
    char path[1024];
    const char *dir = getenv("top_srcdir");
    snprintf(path, sizeof(path), "%s/tests/fixtures/stacktraces/%s", dir ? dir : "..", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("# cannot open %s\n", path);
        return NULL;
    }
    struct aura_buf b = AURA_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        aura_buf_append(&b, chunk, n);
    fclose(f);
    return aura_buf_steal(&b);
}

/* each fixture, fed line by line then "next line": what must come out */
static const struct {
    const char *file;
    size_t before;       /* lines passed through before the trace */
    long lines;          /* lines folded */
    const char *level;
    const char *message;
    size_t after;        /* entries after the trace (the "next line" included) */
} fixtures[] = {
    {"java.txt", 0, 10, "error", "Exception in thread \"main\" java.lang.RuntimeException: request failed", 1},
    {"go.txt", 0, 7, "fatal", "panic: key \"answer\" missing", 1},
    {"go-deadlock.txt", 0, 21, "fatal", "fatal error: all goroutines are asleep - deadlock!", 1},
    {"nodejs.txt", 4, 17, "error", "TypeError: bad request body", 3},
    {"ruby.txt", 0, 3, "error", "r.rb:2:in `fetch': no user 7 (ArgumentError)", 1},
    {"rust.txt", 1, 3, "fatal", "thread 'main' (17517) panicked at main.rs:1:38:", 1},
    {"rust-backtrace.txt", 1, 11, "fatal", "thread 'main' (17636) panicked at main.rs:1:38:", 1},
    {"mono.txt", 1, 19, "fatal",
     "System.InvalidOperationException: checkout failed ---> System.FormatException: Input string was not in a "
     "correct format.",
     1},
    {"dotnet.txt", 0, 9, "fatal", "Unhandled exception. System.InvalidOperationException: checkout failed", 1},
    {"python.txt", 0, 16, "error", "RuntimeError: lookup failed", 1},
    {"python-logging.txt", 1, 5, "error", "ZeroDivisionError: division by zero", 1},
};

static void test_fixtures(void) {
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        char *text = read_fixture(fixtures[i].file);
        if (!CHECK(text != NULL, "%s: fixture readable", fixtures[i].file))
            continue;
        struct aura_multiline *m = new_engine(1000, 65536);
        reset_outs();
        char *save = NULL;
        /* split on '\n' keeping empty lines */
        for (char *p = text, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl)
                nl = p + strlen(p);
            char c = *nl;
            *nl = '\0';
            feed(m, "svc", p);
            *nl = c;
            if (!c)
                break;
        }
        (void)save;
        feed(m, "svc", "next line");
        aura_multiline_finish_all(m);
        drain(m);
        CHECK_INT(n_outs, fixtures[i].before + 1 + fixtures[i].after, "%s: entries out", fixtures[i].file);
        size_t f = fixtures[i].before;
        if (f < n_outs) {
            CHECK(outs[f].kind == 'F', "%s: entry %zu is the folded trace", fixtures[i].file, f);
            CHECK_INT(outs[f].lines, fixtures[i].lines, "%s: stack_lines", fixtures[i].file);
            CHECK_STR(outs[f].level, fixtures[i].level, "%s: level", fixtures[i].file);
            CHECK_STR(outs[f].message, fixtures[i].message, "%s: message", fixtures[i].file);
            CHECK(outs[f].stack && strstr(text, outs[f].stack) != NULL, "%s: stackTrace is the lines as written",
                  fixtures[i].file);
            CHECK(outs[f].time_us == (int64_t)(1000 + token - (n_outs - f) + 1) || outs[f].time_us > 0,
                  "%s: time of a line", fixtures[i].file);
        }
        for (size_t k = 0; k < n_outs; k++)
            if (k != f)
                CHECK(outs[k].kind == 'P', "%s: entry %zu passed as it came (%s)", fixtures[i].file, k,
                      outs[k].message);
        CHECK_STR(n_outs ? outs[n_outs - 1].message : NULL, "next line", "%s: the next line comes last",
                  fixtures[i].file);
        CHECK(aura_multiline_low_held(m) == UINT64_MAX, "%s: nothing held at the end", fixtures[i].file);
        aura_multiline_free(m);
        free(text);
    }
}

/* Lines that are no trace: each passes at once, unchanged, in order. */
static void test_negative(void) {
    static const char *lines[] = {
        "Server started at 10:00",
        "    at the end of the day we retry",
        "0 errors found",
        "Errors: none",
        "\tat com.example.NotATrace(Foo.java:1)",
        "  File \"x.py\", line 1, in <module>",
        "from here on",
        "goroutine count is 5",
        "main.main()",
        "{\"level\":\"error\",\"msg\":\"x\"}",
        "",
        "ValueError is a class",
        "thread pool resized",
    };
    struct aura_multiline *m = new_engine(1000, 65536);
    reset_outs();
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        CHECK_INT(feed(m, "svc", lines[i]), AURA_ML_PASS, "negative \"%s\" passes at once", lines[i]);
    CHECK_INT(n_outs, sizeof(lines) / sizeof(lines[0]), "negative: one entry each");
    /* a candidate that no frame follows comes out unchanged, before the next line */
    reset_outs();
    CHECK_INT(feed(m, "svc", "java.lang.IllegalStateException: not a trace"), AURA_ML_HELD, "candidate held");
    CHECK(aura_multiline_low_held(m) == token, "candidate's token is held");
    CHECK_INT(feed(m, "svc", "ok"), AURA_ML_PASS, "line after a candidate passes");
    CHECK_INT(n_outs, 2, "candidate + next line");
    CHECK(n_outs == 2 && outs[0].kind == 'P' && strcmp(outs[0].message, "java.lang.IllegalStateException: not a trace") == 0 &&
              strcmp(outs[0].level, "info") == 0 && outs[0].lines == -1,
          "candidate released unchanged, first");
    CHECK(n_outs == 2 && strcmp(outs[1].message, "ok") == 0, "then the next line");
    CHECK(aura_multiline_low_held(m) == UINT64_MAX, "nothing held");
    /* a JSON/logfmt line (single) ends a trace and is never part of one */
    reset_outs();
    feed(m, "svc", "Traceback (most recent call last):");
    feed(m, "svc", "  File \"x.py\", line 1, in <module>");
    struct aura_entry e;
    aura_entry_init(&e);
    e.message = "  indented json-ish";
    e.message_len = strlen(e.message);
    CHECK_INT(aura_multiline_feed(m, "svc", 3, &e, 6, true, ++token, 0), AURA_ML_PASS, "single line passes");
    drain(m);
    CHECK(n_outs == 1 && outs[0].kind == 'F' && outs[0].lines == 2, "single line ended the trace");
    aura_entry_free(&e);
    aura_multiline_free(m);
}

/* Two streams interleaved line by line: two whole traces. */
static void test_interleaved(void) {
    static const char *py[] = {"Traceback (most recent call last):", "  File \"a.py\", line 3, in <module>",
                               "    main()", "KeyError: 'x'"};
    static const char *java[] = {"java.lang.NullPointerException: boom", "\tat a.B.c(B.java:1)", "\tat a.B.d(B.java:2)",
                                 "\t... 4 more"};
    struct aura_multiline *m = new_engine(1000, 65536);
    reset_outs();
    for (size_t i = 0; i < 4; i++) {
        feed(m, "A", py[i]);
        feed(m, "B", java[i]);
        feed(m, "C", "plain line of a third stream");
    }
    CHECK_INT(n_outs, 4, "interleaved: only the plain lines so far");
    feed(m, "A", "after A");
    feed(m, "B", "after B");
    CHECK_INT(n_outs, 8, "interleaved: 4 plain + 2 traces + 2 next lines");
    int a = -1, b = -1;
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].kind == 'F')
            *(strcmp(outs[i].stream, "A") == 0 ? &a : &b) = (int)i;
    CHECK(a >= 0 && outs[a].lines == 4 && strcmp(outs[a].message, "KeyError: 'x'") == 0, "stream A: whole Python trace");
    CHECK(b >= 0 && outs[b].lines == 4 && strcmp(outs[b].message, java[0]) == 0, "stream B: whole Java trace");
    CHECK(b >= 0 && outs[b].stack && strcmp(outs[b].stack, "java.lang.NullPointerException: boom\n\tat a.B.c(B.java:1)\n"
                                                           "\tat a.B.d(B.java:2)\n\t... 4 more") == 0,
          "stream B: stackTrace joined by newlines");
    aura_multiline_free(m);
}

/* rsyslog escapes a tab as "#011" */
static void test_rsyslog_tab(void) {
    struct aura_multiline *m = new_engine(1000, 65536);
    reset_outs();
    feed(m, "r", "java.lang.RuntimeException: boom");
    CHECK_INT(feed(m, "r", "#011at com.example.App.main(App.java:11)"), AURA_ML_HELD, "#011at continues");
    feed(m, "r", "#011#011... 1 more");
    feed(m, "r", "done");
    CHECK(n_outs == 2 && outs[0].kind == 'F' && outs[0].lines == 3, "#011 trace folded");
    CHECK_STR(n_outs ? outs[0].stack : NULL,
              "java.lang.RuntimeException: boom\n\tat com.example.App.main(App.java:11)\n\t\t... 1 more",
              "#011 back to a tab in stackTrace");
    aura_multiline_free(m);
}

static void test_limits(void) {
    struct aura_multiline *m = new_engine(5, 65536);
    reset_outs();
    feed(m, "j", "java.lang.RuntimeException: long");
    for (int i = 0; i < 4; i++)
        feed(m, "j", "\tat a.B.c(B.java:1)");
    CHECK_INT(n_outs, 1, "max_stack_lines: sent at the limit");
    CHECK(n_outs == 1 && outs[0].lines == 5 && outs[0].truncated, "max_stack_lines: 5 lines, truncated");
    for (int i = 0; i < 7; i++)
        CHECK_INT(feed(m, "j", "\tat a.B.c(B.java:2)"), AURA_ML_DROP, "max_stack_lines: rest dropped %d", i);
    CHECK_INT(feed(m, "j", "back to normal"), AURA_ML_PASS, "max_stack_lines: next line passes");
    CHECK(aura_multiline_low_held(m) == UINT64_MAX, "max_stack_lines: nothing held");
    aura_multiline_free(m);

    m = new_engine(1000, 100);
    reset_outs();
    feed(m, "j", "java.lang.RuntimeException: bytes");
    for (int i = 0; i < 10; i++)
        feed(m, "j", "\tat a.very.long.package.name.Klass.method(Klass.java:123)");
    feed(m, "j", "back to normal");
    CHECK(n_outs >= 2 && outs[0].kind == 'F' && outs[0].truncated && strlen(outs[0].stack) <= 100,
          "max_message_bytes: stackTrace cut, truncated");
    CHECK_STR(n_outs ? outs[n_outs - 1].message : NULL, "back to normal", "max_message_bytes: next line passes");
    aura_multiline_free(m);
}

static void test_timeout(void) {
    struct aura_multiline *m = new_engine(1000, 65536);
    reset_outs();
    feed_sev(m, "p", "Traceback (most recent call last):", 6, 10 * SEC);
    feed_sev(m, "p", "  File \"x.py\", line 1, in <module>", 6, 10 * SEC + 500000);
    feed_sev(m, "p", "ZeroDivisionError: division by zero", 6, 10 * SEC + 600000);
    CHECK(aura_multiline_deadline(m) == 11 * SEC + 600000, "deadline = last line + multiline_timeout");
    aura_multiline_expire(m, 11 * SEC + 599999);
    CHECK(aura_multiline_peek(m) == NULL, "nothing before the deadline");
    aura_multiline_expire(m, 11 * SEC + 600000);
    drain(m);
    CHECK(n_outs == 1 && outs[0].kind == 'F' && outs[0].lines == 3, "trace sent at the deadline, no further line");
    CHECK(aura_multiline_deadline(m) == UINT64_MAX, "no deadline left");
    aura_multiline_free(m);
}

static void test_tokens_and_levels(void) {
    struct aura_multiline *m = new_engine(1000, 65536);
    reset_outs();
    feed(m, "A", "panic: boom");
    uint64_t first = token;
    feed(m, "B", "plain");
    CHECK(aura_multiline_low_held(m) == first, "low_held = first line of the open trace");
    feed(m, "A", "");
    feed(m, "A", "goroutine 1 [running]:");
    feed(m, "B", "plain 2");
    CHECK(aura_multiline_low_held(m) == first, "low_held stays while the trace is open");
    struct aura_entry e;
    aura_entry_init(&e);
    e.message = "next";
    e.message_len = 4;
    aura_multiline_feed(m, "A", 1, &e, 6, false, ++token, 0);
    CHECK(aura_multiline_peek(m) != NULL, "finished trace waits to be taken");
    CHECK(aura_multiline_low_held(m) == first, "low_held covers a finished entry not yet popped");
    aura_multiline_pop(m);
    CHECK(aura_multiline_low_held(m) == UINT64_MAX, "after pop nothing held");
    aura_entry_free(&e);

    /* an explicit severity other than notice/info keeps the first line's level */
    reset_outs();
    feed_sev(m, "W", "java.lang.RuntimeException: warned", 4, 0);
    feed_sev(m, "W", "\tat a.B.c(B.java:1)", 4, 0);
    feed_sev(m, "W", "x", 4, 0);
    CHECK(n_outs == 2 && strcmp(outs[0].level, "warn") == 0 && outs[0].lines == 2, "severity warning: folded, stays warn");
    aura_multiline_free(m);
}

/* 10,000 streams inside a trace at once: memory stays within its bounds */
static void test_many_streams(void) {
    struct aura_multiline_opts o = {.timeout_us = SEC, .max_lines = 1000, .max_bytes = 65536,
                                    .max_held_bytes = 4u << 20, .max_streams = 2000};
    struct aura_multiline *m;
    aura_multiline_new(&o, &m);
    reset_outs();
    char key[32];
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 10000; i++) {
            snprintf(key, sizeof(key), "pid%d", i);
            feed(m, key, round == 0 ? "Traceback (most recent call last):" : "  File \"x.py\", line 1, in <module>");
            struct aura_multiline_stats st;
            aura_multiline_get_stats(m, &st);
            if (st.streams > 2000 || st.held_bytes > (4u << 20)) {
                CHECK(0, "bounds exceeded: %zu streams, %zu bytes", st.streams, st.held_bytes);
                round = 3;
                break;
            }
        }
    struct aura_multiline_stats st;
    aura_multiline_get_stats(m, &st);
    CHECK(st.streams <= 2000, "10,000 streams: at most max_streams with state (%zu)", st.streams);
    CHECK(st.evicted > 0, "10,000 streams: oldest traces finished early (%llu)", (unsigned long long)st.evicted);
    aura_multiline_finish_all(m);
    drain(m);
    aura_multiline_get_stats(m, &st);
    CHECK(st.streams == 0 && st.held_bytes == 0, "everything released (%zu bytes)", st.held_bytes);
    aura_multiline_free(m);

    /* default bounds hold 10,000 open traces whole */
    m = new_engine(1000, 65536);
    reset_outs();
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "pid%d", i);
        feed(m, key, "Traceback (most recent call last):");
    }
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "pid%d", i);
        feed(m, key, "  File \"x.py\", line 1, in <module>");
        feed(m, key, "OSError: gone");
    }
    aura_multiline_finish_all(m);
    drain(m);
    size_t whole = 0;
    for (size_t i = 0; i < n_outs; i++)
        whole += outs[i].kind == 'F' && outs[i].lines == 3;
    CHECK_INT(whole, 10000, "10,000 interleaved streams: 10,000 whole traces");
    aura_multiline_free(m);
}

int main(void) {
    test_fixtures();
    test_negative();
    test_interleaved();
    test_rsyslog_tab();
    test_limits();
    test_timeout();
    test_tokens_and_levels();
    test_many_streams();
    reset_outs();
    aura_buf_free(&enc);
    return tap_done();
}
