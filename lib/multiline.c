#include "multiline.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content.h"
#include "entry.h"
#include "json.h"
#include "level.h"
#include "wire.h"

#define DEFAULT_MAX_HELD_BYTES (64u << 20)
#define DEFAULT_MAX_STREAMS 16384
#define SPARE_STREAMS 64         /* recycled stream states kept */
#define SPARE_BUF_MAX (64u << 10) /* a recycled state keeps buffers up to this size */

enum kind {
    KIND_AT,     /* Java, Kotlin, Scala, Node.js, .NET: "at" frames */
    KIND_PYTHON,
    KIND_GO,
    KIND_RUBY,
    KIND_RUST,
};

enum state {
    ST_CANDIDATE, /* one line that may start a trace */
    ST_TRACE,
    ST_PY_AFTER,  /* Python: after the exception line; a chained exception may follow */
    ST_PY_CHAIN,  /* Python: after "During handling ..." / "The above exception ..." */
    ST_SKIP,      /* the trace was cut and sent: drop the rest of it */
};

struct ml_field {
    size_t key; /* offsets into the stream's store */
    enum aura_field_type type;
    size_t str, len;
    bool has_str;
    int64_t num;
    struct json_object *json;
};

struct ml_stream {
    struct ml_stream *hnext;         /* hash chain */
    struct ml_stream *tprev, *tnext; /* streams holding lines, by first token */
    struct ml_stream *aprev, *anext; /* all streams, least recently fed first */
    struct ml_stream *rnext;         /* ready queue */
    uint32_t hash;
    size_t key_len; /* the key is at offset 0 of store */
    enum kind kind;
    enum state state;
    bool in_tokens;
    bool folded;    /* ready: a trace (else a candidate that was not one, sent as it came) */
    bool fatal, truncated, expect_exc, brace;
    int rust_msg;   /* Rust: message lines seen; -1 after "note:"/"stack backtrace:" */
    uint64_t first_token;
    uint64_t last_us;
    size_t lines, blanks;
    size_t exc_off, exc_len; /* the exception line in text */
    /* the first line's entry */
    int severity;
    enum aura_level level;
    int64_t time_us;
    bool relayed, has_trace_id, has_stack;
    size_t msg_off, msg_len, tid_off, tid_len, st_off, st_len;
    struct ml_field *fields;
    size_t n_fields, cap_fields;
    struct aura_buf store;
    struct aura_buf text; /* the trace, lines joined by '\n' */
};

struct aura_multiline {
    struct aura_multiline_opts opts;
    struct ml_stream **buckets;
    size_t n_buckets, n_streams;
    struct ml_stream *thead, *ttail;
    struct ml_stream *ahead, *atail;
    struct ml_stream *rhead, *rtail;
    struct ml_stream *spare;
    size_t n_spare;
    size_t held_bytes;
    struct aura_entry out;
    bool out_valid;
    struct aura_multiline_stats st;
};

/* --- lines ---------------------------------------------------------------- */

struct line {
    const char *s; /* the whole line, without a trailing newline */
    size_t len;
    const char *rest; /* after the leading white space ("#011" counts as a tab) */
    size_t rlen;
    size_t indent;
};

static void line_init(struct line *l, const char *s, size_t len) {
    if (!s)
        s = "", len = 0;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    l->s = s;
    l->len = len;
    size_t i = 0, indent = 0;
    for (;;) {
        if (i < len && (s[i] == ' ' || s[i] == '\t')) {
            i++;
            indent++;
        } else if (i + 4 <= len && memcmp(s + i, "#011", 4) == 0) {
            i += 4;
            indent++;
        } else
            break;
    }
    l->rest = s + i;
    l->rlen = len - i;
    l->indent = indent;
}

static bool starts(const struct line *l, const char *p) {
    size_t n = strlen(p);
    return l->rlen >= n && memcmp(l->rest, p, n) == 0;
}

static bool has(const char *s, size_t len, const char *p) {
    return memmem(s, len, p, strlen(p)) != NULL;
}

static bool blank(const struct line *l) {
    return l->rlen == 0;
}

static inline bool ident_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           c == '.';
}

static bool ends_with(const char *s, size_t len, const char *p) {
    size_t n = strlen(p);
    return len >= n && memcmp(s + len - n, p, n) == 0;
}

/* "java.lang.IllegalStateException: boom", "TypeError: x", "Error",
 * "AssertionError [ERR_ASSERTION]: x", "System.InvalidOperationException: x" */
static bool exception_header(const char *s, size_t len) {
    size_t i = 0;
    if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    while (i < len && i < 256 && ident_char(s[i]))
        i++;
    if (i < len && s[i] != ':' && !(s[i] == ' ' && i + 1 < len && s[i + 1] == '['))
        return false;
    if (s[i - 1] == '.')
        return false;
    return ends_with(s, i, "Error") || ends_with(s, i, "Exception") || ends_with(s, i, "Throwable") ||
           (i >= 9 && memmem(s, i, "Exception", 9) != NULL && memchr(s, '$', i));
}

/* Ruby: "app.rb:2:in `foo': boom (RuntimeError)" / "app.rb:2:in 'Object#foo': boom (RuntimeError)" */
static bool ruby_header(const char *s, size_t len) {
    if (len < 10 || s[len - 1] != ')' || s[0] == ' ' || s[0] == '\t')
        return false;
    const char *in = memmem(s, len, ":in ", 4);
    if (!in || in == s)
        return false;
    const char *d = in - 1;
    if (*d < '0' || *d > '9')
        return false;
    while (d > s && *d >= '0' && *d <= '9')
        d--;
    return *d == ':' && memchr(in, '(', (size_t)(s + len - in)) != NULL;
}

static bool go_goroutine(const struct line *l) {
    return l->indent == 0 && starts(l, "goroutine ") && l->rlen > 11 && l->rest[10] >= '0' && l->rest[10] <= '9' &&
           ends_with(l->rest, l->rlen, "]:");
}

/* What a line may start: 1 with kind, state and fatal set, else 0. */
static int classify(const struct line *l, enum kind *kind, enum state *state, bool *fatal, bool *expect_exc) {
    const char *s = l->s;
    size_t len = l->len;
    *fatal = false;
    *expect_exc = false;
    if (len < 5 || l->indent)
        return 0;
    switch (s[0]) {
    case 'T':
        if (len == 34 && memcmp(s, "Traceback (most recent call last):", 34) == 0) {
            *kind = KIND_PYTHON;
            *state = ST_TRACE;
            return 1;
        }
        break;
    case 'p':
        if (len > 7 && memcmp(s, "panic: ", 7) == 0) {
            *kind = KIND_GO;
            *state = ST_TRACE;
            *fatal = true;
            return 1;
        }
        break;
    case 'f':
        if (len > 13 && memcmp(s, "fatal error: ", 13) == 0) {
            *kind = KIND_GO;
            *state = ST_TRACE;
            *fatal = true;
            return 1;
        }
        break;
    case 'g':
        if (go_goroutine(l)) {
            *kind = KIND_GO;
            *state = ST_TRACE;
            return 1;
        }
        break;
    case 't':
        /* "thread 'main' panicked at", since Rust 1.9x "thread 'main' (1234) panicked at" */
        if (len > 20 && memcmp(s, "thread '", 8) == 0 && has(s, len, " panicked at ")) {
            *kind = KIND_RUST;
            *state = ST_TRACE;
            *fatal = true;
            return 1;
        }
        break;
    case 'U':
        if (len > 21 && memcmp(s, "Unhandled exception. ", 21) == 0) {
            *kind = KIND_AT;
            *state = ST_TRACE;
            *fatal = true;
            return 1;
        }
        if (len == 20 && memcmp(s, "Unhandled Exception:", 20) == 0) { /* Mono */
            *kind = KIND_AT;
            *state = ST_TRACE;
            *fatal = true;
            *expect_exc = true;
            return 1;
        }
        break;
    case 'E':
        if (len > 21 && memcmp(s, "Exception in thread \"", 21) == 0) {
            *kind = KIND_AT;
            *state = ST_CANDIDATE;
            return 1;
        }
        break;
    }
    if (exception_header(s, len)) {
        *kind = KIND_AT;
        *state = ST_CANDIDATE;
        return 1;
    }
    if (ruby_header(s, len)) {
        *kind = KIND_RUBY;
        *state = ST_CANDIDATE;
        return 1;
    }
    return 0;
}

/* Does l continue a trace of this kind (state ST_TRACE or a candidate's first continuation)? */
static bool at_frame(const struct ml_stream *st, const struct line *l) {
    if (l->indent && starts(l, "at ") && l->rlen > 3)
        return true;
    if (st->state == ST_CANDIDATE) /* a candidate needs a frame, or .NET's inner exception */
        return l->indent && starts(l, "---> ");
    /* Java "\t... 3 more", logback "... 3 common frames omitted", Node.js "    ... 5 lines matching cause stack trace ..." */
    if (starts(l, "... ") && (l->indent || has(l->rest, l->rlen, " more") || has(l->rest, l->rlen, " omitted")))
        return true;
    if (starts(l, "Caused by: ") || starts(l, "Suppressed: ") || starts(l, "[CIRCULAR REFERENCE"))
        return true;
    if (l->indent && (starts(l, "---") || starts(l, "[cause]: ")))
        return true;
    if (starts(l, "[ERROR] FATAL UNHANDLED EXCEPTION: ")) /* Mono prints it twice */
        return true;
    if (st->expect_exc && l->indent == 0 && exception_header(l->s, l->len))
        return true;
    if (st->brace) /* Node.js: "    at f (x.js:1:1) {" then the error's properties, then "}" */
        return l->indent || (l->len == 1 && l->s[0] == '}');
    return false;
}

static bool go_frame(const struct line *l) {
    if (l->indent)
        return true;
    if (starts(l, "goroutine ") || starts(l, "created by ") || starts(l, "panic: ") || starts(l, "[signal ") ||
        starts(l, "fatal error: ") || starts(l, "exit status ") || starts(l, "runtime stack:") ||
        starts(l, "...additional frames elided..."))
        return true;
    /* main.main(), main.(*T).f(0xc000012345, {0x1, 0x2}), runtime.gopark(...) */
    return l->rlen > 2 && l->rest[l->rlen - 1] == ')' && memchr(l->rest, '(', l->rlen) &&
           !memchr(l->rest, ' ', (size_t)((const char *)memchr(l->rest, '(', l->rlen) - l->rest));
}

/* --- the stream table ----------------------------------------------------- */

static uint32_t hash_key(const char *k, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return h;
}

static struct ml_stream *lookup(struct aura_multiline *m, const char *key, size_t len, uint32_t h) {
    if (!m->n_buckets)
        return NULL;
    for (struct ml_stream *s = m->buckets[h & (m->n_buckets - 1)]; s; s = s->hnext)
        if (s->hash == h && s->key_len == len && memcmp(s->store.data, key, len) == 0)
            return s;
    return NULL;
}

static void hash_insert(struct aura_multiline *m, struct ml_stream *s) {
    if (m->n_streams + 1 > m->n_buckets) {
        size_t n = m->n_buckets ? m->n_buckets * 2 : 64;
        struct ml_stream **b = aura_calloc(n, sizeof(*b));
        for (size_t i = 0; i < m->n_buckets; i++)
            for (struct ml_stream *x = m->buckets[i], *next; x; x = next) {
                next = x->hnext;
                x->hnext = b[x->hash & (n - 1)];
                b[x->hash & (n - 1)] = x;
            }
        free(m->buckets);
        m->buckets = b;
        m->n_buckets = n;
    }
    struct ml_stream **head = &m->buckets[s->hash & (m->n_buckets - 1)];
    s->hnext = *head;
    *head = s;
    m->n_streams++;
}

static void hash_remove(struct aura_multiline *m, struct ml_stream *s) {
    struct ml_stream **p = &m->buckets[s->hash & (m->n_buckets - 1)];
    while (*p != s)
        p = &(*p)->hnext;
    *p = s->hnext;
    s->hnext = NULL;
    m->n_streams--;
}

static void activity_unlink(struct aura_multiline *m, struct ml_stream *s) {
    if (s->aprev)
        s->aprev->anext = s->anext;
    else
        m->ahead = s->anext;
    if (s->anext)
        s->anext->aprev = s->aprev;
    else
        m->atail = s->aprev;
    s->aprev = s->anext = NULL;
}

static void activity_append(struct aura_multiline *m, struct ml_stream *s) {
    s->aprev = m->atail;
    s->anext = NULL;
    if (m->atail)
        m->atail->anext = s;
    else
        m->ahead = s;
    m->atail = s;
}

static void tokens_unlink(struct aura_multiline *m, struct ml_stream *s) {
    if (!s->in_tokens)
        return;
    if (s->tprev)
        s->tprev->tnext = s->tnext;
    else
        m->thead = s->tnext;
    if (s->tnext)
        s->tnext->tprev = s->tprev;
    else
        m->ttail = s->tprev;
    s->tprev = s->tnext = NULL;
    s->in_tokens = false;
}

static size_t stream_bytes(const struct ml_stream *s) {
    return s->store.len + s->text.len + s->n_fields * sizeof(struct ml_field);
}

static void stream_clear(struct ml_stream *s) {
    for (size_t i = 0; i < s->n_fields; i++)
        if (s->fields[i].json)
            json_object_put(s->fields[i].json);
    s->n_fields = 0;
    aura_buf_reset(&s->store);
    aura_buf_reset(&s->text);
}

static void stream_destroy(struct ml_stream *s) {
    stream_clear(s);
    free(s->fields);
    aura_buf_free(&s->store);
    aura_buf_free(&s->text);
    free(s);
}

static void recycle(struct aura_multiline *m, struct ml_stream *s) {
    m->held_bytes -= stream_bytes(s);
    stream_clear(s);
    if (m->n_spare >= SPARE_STREAMS || s->store.cap > SPARE_BUF_MAX || s->text.cap > SPARE_BUF_MAX) {
        stream_destroy(s);
        return;
    }
    s->hnext = m->spare;
    m->spare = s;
    m->n_spare++;
}

static size_t store_put(struct ml_stream *s, const char *p, size_t n) {
    size_t off = s->store.len;
    aura_buf_append(&s->store, p ? p : "", n);
    aura_buf_putc(&s->store, '\0');
    return off;
}

/* A new state for key, holding a copy of e. */
static struct ml_stream *stream_new(struct aura_multiline *m, const char *key, size_t key_len, uint32_t h,
                                    const struct aura_entry *e, int severity) {
    struct ml_stream *s = m->spare;
    if (s) {
        m->spare = s->hnext;
        m->n_spare--;
        struct aura_buf store = s->store, text = s->text;
        struct ml_field *fields = s->fields;
        size_t cap = s->cap_fields;
        memset(s, 0, sizeof(*s));
        s->store = store;
        s->text = text;
        s->fields = fields;
        s->cap_fields = cap;
    } else
        s = aura_calloc(1, sizeof(*s));
    s->hash = h;
    s->key_len = key_len;
    store_put(s, key, key_len);
    s->severity = severity;
    s->level = e->level;
    s->time_us = e->time_us;
    s->relayed = e->relayed;
    s->msg_len = e->message ? e->message_len : 0;
    s->msg_off = store_put(s, e->message, s->msg_len);
    if (e->trace_id) {
        s->has_trace_id = true;
        s->tid_len = e->trace_id_len;
        s->tid_off = store_put(s, e->trace_id, e->trace_id_len);
    }
    if (e->stack_trace) {
        s->has_stack = true;
        s->st_len = e->stack_trace_len;
        s->st_off = store_put(s, e->stack_trace, e->stack_trace_len);
    }
    if (e->n_fields > s->cap_fields) {
        s->cap_fields = e->n_fields;
        s->fields = aura_realloc(s->fields, s->cap_fields * sizeof(*s->fields));
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const struct aura_field *f = &e->fields[i];
        struct ml_field *g = &s->fields[s->n_fields++];
        memset(g, 0, sizeof(*g));
        g->key = store_put(s, f->key, strlen(f->key));
        g->type = f->type;
        g->num = f->num;
        if (f->type == AURA_FIELD_STR && f->str) {
            g->has_str = true;
            g->len = f->len;
            g->str = store_put(s, f->str, f->len);
        }
        if (f->type == AURA_FIELD_JSON && f->json)
            g->json = json_object_get(f->json);
    }
    hash_insert(m, s);
    activity_append(m, s);
    m->held_bytes += stream_bytes(s);
    return s;
}

static void hold_token(struct aura_multiline *m, struct ml_stream *s, uint64_t token) {
    s->first_token = token;
    s->in_tokens = true;
    s->tprev = m->ttail;
    s->tnext = NULL;
    if (m->ttail)
        m->ttail->tnext = s;
    else
        m->thead = s;
    m->ttail = s;
}

/* --- finishing ------------------------------------------------------------ */

/* Take s out of the table; a trace or candidate goes to the ready queue. */
static void finish(struct aura_multiline *m, struct ml_stream *s) {
    hash_remove(m, s);
    activity_unlink(m, s);
    if (s->state == ST_SKIP) {
        tokens_unlink(m, s);
        recycle(m, s);
        return;
    }
    /* stays in the token list until popped: its lines are not sent yet */
    s->folded = s->state != ST_CANDIDATE;
    if (s->folded) {
        m->st.folded++;
        m->st.lines += s->lines;
    }
    s->rnext = NULL;
    if (m->rtail)
        m->rtail->rnext = s;
    else
        m->rhead = s;
    m->rtail = s;
}

static void append_line(struct aura_multiline *m, struct ml_stream *s, const struct line *l, bool exc) {
    size_t before = s->text.len;
    /* blank lines held back inside the trace go in only when it goes on */
    for (; s->blanks; s->blanks--) {
        aura_buf_putc(&s->text, '\n');
        s->lines++;
    }
    if (s->text.len)
        aura_buf_putc(&s->text, '\n');
    /* the leading "#011" of rsyslog's escaping back to a tab */
    const char *p = l->s;
    size_t n = l->len;
    while (n >= 4 && memcmp(p, "#011", 4) == 0) {
        aura_buf_putc(&s->text, '\t');
        p += 4;
        n -= 4;
    }
    size_t start = s->text.len;
    if (m->opts.max_bytes && s->text.len + n > m->opts.max_bytes) {
        size_t room = m->opts.max_bytes > s->text.len ? m->opts.max_bytes - s->text.len : 0;
        n = aura_utf8_cut(p, n, room);
        s->truncated = true;
    }
    aura_buf_append(&s->text, p, n);
    s->lines++;
    if (exc || (s->lines == 1 && !s->expect_exc) || (s->lines == 2 && s->expect_exc)) {
        s->exc_off = start;
        s->exc_len = n;
    }
    m->held_bytes += s->text.len - before;
}

/* --- feeding -------------------------------------------------------------- */

enum step { STEP_HELD, STEP_DROP, STEP_END };

static enum step step(struct ml_stream *s, const struct line *l, struct aura_multiline *m) {
    bool is_blank = blank(l);
    switch (s->state) {
    case ST_SKIP:
        switch (s->kind) {
        case KIND_PYTHON:
            return l->indent && !is_blank ? STEP_DROP : STEP_END;
        case KIND_GO:
            return is_blank || go_frame(l) ? STEP_DROP : STEP_END;
        case KIND_RUBY:
            return l->indent && starts(l, "from ") ? STEP_DROP : STEP_END;
        case KIND_RUST:
            return l->indent || starts(l, "note: ") ? STEP_DROP : STEP_END;
        case KIND_AT:
            return !is_blank && at_frame(s, l) ? STEP_DROP : STEP_END;
        }
        return STEP_END;
    case ST_PY_AFTER:
        if (is_blank) {
            s->blanks++;
            return STEP_HELD;
        }
        if ((l->len == 67 && memcmp(l->s, "During handling of the above exception, another exception occurred:", 67) ==
                                 0) ||
            starts(l, "During handling of the above exception") || starts(l, "The above exception was the direct cause")) {
            append_line(m, s, l, false);
            s->state = ST_PY_CHAIN;
            return STEP_HELD;
        }
        return STEP_END;
    case ST_PY_CHAIN:
        if (is_blank) {
            s->blanks++;
            return STEP_HELD;
        }
        if (starts(l, "Traceback (most recent call last):")) {
            append_line(m, s, l, false);
            s->state = ST_TRACE;
            return STEP_HELD;
        }
        return STEP_END;
    case ST_CANDIDATE:
    case ST_TRACE:
        break;
    }
    switch (s->kind) {
    case KIND_PYTHON:
        if (is_blank)
            return STEP_END;
        if (l->indent) {
            append_line(m, s, l, false);
            return STEP_HELD;
        }
        append_line(m, s, l, true); /* the exception line */
        s->state = ST_PY_AFTER;
        return STEP_HELD;
    case KIND_GO:
        if (is_blank) {
            s->blanks++;
            return STEP_HELD;
        }
        if (!go_frame(l))
            return STEP_END;
        append_line(m, s, l, false);
        return STEP_HELD;
    case KIND_RUBY:
        if (l->indent && (starts(l, "from ") || (starts(l, "... ") && has(l->rest, l->rlen, "levels")))) {
            append_line(m, s, l, false);
            s->state = ST_TRACE;
            return STEP_HELD;
        }
        return STEP_END;
    case KIND_RUST:
        if (is_blank)
            return STEP_END;
        if (starts(l, "note: ") || starts(l, "stack backtrace:")) {
            s->rust_msg = -1;
        } else if (l->indent) {
            /* frames, or an assertion's "  left: 1" */
        } else if (s->rust_msg >= 0 && s->rust_msg < 1) {
            s->rust_msg++; /* the panic message (Rust >= 1.73 puts it on its own line) */
        } else
            return STEP_END;
        append_line(m, s, l, false);
        return STEP_HELD;
    case KIND_AT:
        if (is_blank || !at_frame(s, l))
            return STEP_END;
        append_line(m, s, l, false);
        s->state = ST_TRACE;
        s->expect_exc = s->expect_exc && s->lines < 2;
        if (s->brace)
            s->brace = !(l->len == 1 && l->s[0] == '}');
        else
            s->brace = l->len >= 2 && l->s[l->len - 1] == '{' && l->s[l->len - 2] == ' ';
        return STEP_HELD;
    }
    return STEP_END;
}

/* The trace reached max_lines/max_bytes: send it, drop the rest of it. */
static void cut(struct aura_multiline *m, struct ml_stream *s, uint64_t now_us) {
    enum kind kind = s->kind;
    uint32_t h = s->hash;
    char key[256];
    size_t key_len = s->key_len;
    bool small = key_len <= sizeof(key);
    if (small)
        memcpy(key, s->store.data, key_len);
    s->truncated = true;
    finish(m, s);
    if (!small)
        return;
    /* a state with nothing held that drops the trace's remaining lines */
    struct aura_entry none;
    aura_entry_init(&none);
    struct ml_stream *k = stream_new(m, key, key_len, h, &none, -1);
    k->kind = kind;
    k->state = ST_SKIP;
    k->last_us = now_us;
}

static void enforce_bounds(struct aura_multiline *m) {
    while (m->ahead && (m->n_streams > m->opts.max_streams || m->held_bytes > m->opts.max_held_bytes)) {
        struct ml_stream *s = m->ahead;
        if (s->state != ST_SKIP)
            m->st.evicted++;
        finish(m, s);
    }
}

enum aura_ml_result aura_multiline_feed(struct aura_multiline *m, const char *key, size_t key_len,
                                        const struct aura_entry *e, int severity, bool single, uint64_t token,
                                        uint64_t now_us) {
    struct line l;
    uint32_t h = 0;
    struct ml_stream *s = NULL;
    line_init(&l, e->message, e->message ? e->message_len : 0);
    if (m->n_streams) {
        h = hash_key(key, key_len);
        s = lookup(m, key, key_len, h);
    }
    if (s) {
        enum step r = single ? STEP_END : step(s, &l, m);
        if (r != STEP_END) {
            s->last_us = now_us;
            activity_unlink(m, s);
            activity_append(m, s);
            if (r == STEP_DROP) {
                m->st.dropped++;
                return AURA_ML_DROP;
            }
            if ((m->opts.max_lines && s->lines >= m->opts.max_lines) || s->truncated)
                cut(m, s, now_us);
            enforce_bounds(m);
            return AURA_ML_HELD;
        }
        finish(m, s);
    }
    if (single)
        return AURA_ML_PASS;
    enum kind kind;
    enum state state;
    bool fatal, expect_exc;
    if (!classify(&l, &kind, &state, &fatal, &expect_exc))
        return AURA_ML_PASS;
    if (!h)
        h = hash_key(key, key_len);
    s = stream_new(m, key, key_len, h, e, severity);
    s->kind = kind;
    s->state = state;
    s->fatal = fatal;
    s->expect_exc = expect_exc;
    s->last_us = now_us;
    hold_token(m, s, token);
    append_line(m, s, &l, false);
    enforce_bounds(m);
    return AURA_ML_HELD;
}

bool aura_multiline_wants(const struct aura_multiline *m, const struct aura_entry *e, bool single) {
    struct line l;
    enum kind kind;
    enum state state;
    bool fatal, expect_exc;
    if (m->n_streams)
        return true;
    if (single)
        return false;
    line_init(&l, e->message, e->message ? e->message_len : 0);
    return classify(&l, &kind, &state, &fatal, &expect_exc) != 0;
}

/* --- output --------------------------------------------------------------- */

static bool level_open(int severity) {
    return severity < 0 || severity > 7 || severity == 5 || severity == 6;
}

const struct aura_entry *aura_multiline_peek(struct aura_multiline *m) {
    struct ml_stream *s = m->rhead;
    if (!s)
        return NULL;
    if (m->out_valid)
        return &m->out;
    struct aura_entry *e = &m->out;
    const char *base = s->store.data;
    aura_entry_reset(e);
    e->level = s->level;
    e->time_us = s->time_us;
    e->relayed = s->relayed;
    e->message = base + s->msg_off;
    e->message_len = s->msg_len;
    if (s->has_trace_id) {
        e->trace_id = base + s->tid_off;
        e->trace_id_len = s->tid_len;
    }
    if (s->has_stack) {
        e->stack_trace = base + s->st_off;
        e->stack_trace_len = s->st_len;
    }
    if (s->folded) {
        if (level_open(s->severity))
            e->level = s->fatal ? AURA_LEVEL_FATAL : AURA_LEVEL_ERROR;
        e->message = s->text.data + s->exc_off;
        e->message_len = s->exc_len;
        e->stack_trace = s->text.data;
        e->stack_trace_len = s->text.len;
        if (level_open(s->severity))
            aura_entry_add_cstr(e, "level_from", aura_level_from_name(AURA_FROM_STACK_TRACE));
        aura_entry_add_int(e, "stack_lines", (int64_t)s->lines);
        if (s->truncated)
            aura_entry_add_bool(e, AURA_WIRE_KEY_TRUNCATED, true);
    }
    for (size_t i = 0; i < s->n_fields; i++) {
        const struct ml_field *f = &s->fields[i];
        const char *k = base + f->key;
        switch (f->type) {
        case AURA_FIELD_STR:
            aura_entry_add_str(e, k, f->has_str ? base + f->str : NULL, f->len);
            break;
        case AURA_FIELD_INT:
            aura_entry_add_int(e, k, f->num);
            break;
        case AURA_FIELD_BOOL:
            aura_entry_add_bool(e, k, f->num != 0);
            break;
        case AURA_FIELD_JSON:
            aura_entry_add_json(e, k, f->json);
            break;
        }
    }
    m->out_valid = true;
    return e;
}

void aura_multiline_pop(struct aura_multiline *m) {
    struct ml_stream *s = m->rhead;
    if (!s)
        return;
    m->rhead = s->rnext;
    if (!m->rhead)
        m->rtail = NULL;
    m->out_valid = false;
    tokens_unlink(m, s);
    recycle(m, s);
}

uint64_t aura_multiline_deadline(const struct aura_multiline *m) {
    return m->ahead ? m->ahead->last_us + m->opts.timeout_us : UINT64_MAX;
}

void aura_multiline_expire(struct aura_multiline *m, uint64_t now_us) {
    while (m->ahead && m->ahead->last_us + m->opts.timeout_us <= now_us)
        finish(m, m->ahead);
}

void aura_multiline_finish_all(struct aura_multiline *m) {
    while (m->ahead)
        finish(m, m->ahead);
}

void aura_multiline_discard_all(struct aura_multiline *m) {
    while (m->ahead) {
        struct ml_stream *s = m->ahead;
        hash_remove(m, s);
        activity_unlink(m, s);
        tokens_unlink(m, s);
        recycle(m, s);
    }
    while (m->rhead)
        aura_multiline_pop(m);
}

uint64_t aura_multiline_low_held(const struct aura_multiline *m) {
    /* open traces and finished ones not yet popped are all on the token list, oldest first */
    return m->thead ? m->thead->first_token : UINT64_MAX;
}

void aura_multiline_get_stats(const struct aura_multiline *m, struct aura_multiline_stats *st) {
    *st = m->st;
    st->streams = m->n_streams;
    st->held_bytes = m->held_bytes;
}

/* --- life cycle ----------------------------------------------------------- */

void aura_multiline_set_opts(struct aura_multiline *m, const struct aura_multiline_opts *opts) {
    m->opts = *opts;
    if (!m->opts.max_held_bytes)
        m->opts.max_held_bytes = DEFAULT_MAX_HELD_BYTES;
    if (!m->opts.max_streams)
        m->opts.max_streams = DEFAULT_MAX_STREAMS;
}

int aura_multiline_new(const struct aura_multiline_opts *opts, struct aura_multiline **ret) {
    struct aura_multiline *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    aura_multiline_set_opts(m, opts);
    aura_entry_init(&m->out);
    *ret = m;
    return 0;
}

void aura_multiline_free(struct aura_multiline *m) {
    if (!m)
        return;
    struct ml_stream *s, *next;
    for (s = m->ahead; s; s = next) {
        next = s->anext;
        stream_destroy(s);
    }
    for (s = m->rhead; s; s = next) {
        next = s->rnext;
        stream_destroy(s);
    }
    for (s = m->spare; s; s = next) {
        next = s->hnext;
        stream_destroy(s);
    }
    free(m->buckets);
    aura_entry_free(&m->out);
    free(m);
}
