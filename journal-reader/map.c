#include "map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "level.h"
#include "number.h"

enum {
    F_MESSAGE,
    F_PRIORITY,
    F_FACILITY,
    F_IDENTIFIER,
    F_COMM,
    F_PID,
    F_SYSLOG_PID,
    F_HOSTNAME,
    F_UNIT,
    F_USER_UNIT,
    F_BOOT_ID,
    F_MACHINE_ID,
    F_MESSAGE_ID,
    F_TRACE_ID,
    F_SOURCE_TIME,
    F_INVOCATION,
    F_STANDARD, /* number of standard fields */
    F_EXTRA = F_STANDARD,
};

_Static_assert(F_STANDARD <= 16, "first_of in map.h holds 16 standard fields");

/* The standard field a name is, or F_EXTRA: a journal entry has 20 to 30
 * fields, so this runs for every one of them.  By length first, then one
 * compare of a constant length, which the compiler inlines (a libc memcmp
 * call per field was 2% of the journal path). */
static int standard_kind(const char *name, size_t len) {
#define IS(n) (memcmp(name, n, sizeof(n) - 1) == 0)
    switch (len) {
    case 4:
        return IS("_PID") ? F_PID : F_EXTRA;
    case 5:
        return IS("_COMM") ? F_COMM : F_EXTRA;
    case 7:
        return IS("MESSAGE") ? F_MESSAGE : F_EXTRA;
    case 8:
        return IS("PRIORITY") ? F_PRIORITY : IS("_BOOT_ID") ? F_BOOT_ID : IS("TRACE_ID") ? F_TRACE_ID : F_EXTRA;
    case 9:
        return IS("_HOSTNAME") ? F_HOSTNAME : F_EXTRA;
    case 10:
        return IS("SYSLOG_PID") ? F_SYSLOG_PID : IS("MESSAGE_ID") ? F_MESSAGE_ID : F_EXTRA;
    case 11:
        return IS("_MACHINE_ID") ? F_MACHINE_ID : F_EXTRA;
    case 13:
        return IS("_SYSTEMD_UNIT") ? F_UNIT : F_EXTRA;
    case 15:
        return IS("SYSLOG_FACILITY") ? F_FACILITY : F_EXTRA;
    case 17:
        return IS("SYSLOG_IDENTIFIER") ? F_IDENTIFIER : F_EXTRA;
    case 18:
        return IS("_SYSTEMD_USER_UNIT") ? F_USER_UNIT : F_EXTRA;
    case 22:
        return IS("_SYSTEMD_INVOCATION_ID") ? F_INVOCATION : F_EXTRA;
    case 26:
        return IS("_SOURCE_REALTIME_TIMESTAMP") ? F_SOURCE_TIME : F_EXTRA;
    default:
        return F_EXTRA;
    }
#undef IS
}

/* The '=' that ends a field's name: sixteen bytes at a time (names are
 * short), the libc call only for a name longer than 31. */
static const char *field_eq(const char *d, size_t len) {
    size_t i = 0;
#if defined(__SSE2__)
    for (; len - i >= 16 && i < 32; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
        if (m)
            return d + i + __builtin_ctz(m);
    }
    if (i >= 32)
        return memchr(d + i, '=', len - i);
#endif
    for (; i < len; i++)
        if (d[i] == '=')
            return d + i;
    return NULL;
}

/* A kept value: offsets into the arena, which may move while fields are added. */
struct jr_map_field {
    int kind;
    size_t key_off; /* F_EXTRA: NUL-terminated metadata name */
    size_t val_off;
    size_t val_len;
};

void jr_map_init(struct jr_map *m) {
    memset(m, 0, sizeof(*m));
    aura_buf_init(&m->arena);
    aura_entry_init(&m->entry);
    m->pid = -1;
    m->self_identifier = "auralog-journald";
}

static void free_extra(struct jr_map *m) {
    if (!m->extra)
        return;
    for (char **p = m->extra; *p; p++)
        free(*p);
    free(m->extra);
    m->extra = NULL;
}

void jr_map_free(struct jr_map *m) {
    if (!m)
        return;
    free_extra(m);
    aura_buf_free(&m->arena);
    free(m->kept);
    m->kept = NULL;
    m->n_kept = m->cap_kept = 0;
    aura_entry_free(&m->entry);
}

size_t jr_map_field_name(const char *field, size_t len, char *out, size_t size) {
    size_t i = 0, n = 0;
    while (i < len && field[i] == '_')
        i++;
    for (; i < len && n + 1 < size; i++) {
        char c = field[i];
        out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (size)
        out[n] = '\0';
    return n;
}

void jr_map_set_fields(struct jr_map *m, char *const *fields, bool all) {
    size_t n = 0;
    free_extra(m);
    m->all_fields = all;
    if (!fields || !fields[0])
        return;
    while (fields[n])
        n++;
    m->extra = aura_calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        char *name = aura_malloc(len + 1);
        jr_map_field_name(fields[i], len, name, len + 1);
        m->extra[i] = name;
    }
}

void jr_map_begin(struct jr_map *m) {
    aura_buf_reset(&m->arena);
    m->n_kept = 0;
    memset(m->first_of, 0, sizeof(m->first_of));
    m->pid = -1;
    m->own_identifier = false;
    m->boot_id[0] = '\0';
    m->severity = -1;
}

static struct jr_map_field *keep(struct jr_map *m, int kind, const char *val, size_t len) {
    struct jr_map_field *f;
    if (m->n_kept == m->cap_kept) {
        m->cap_kept = m->cap_kept ? 2 * m->cap_kept : 32;
        m->kept = aura_realloc(m->kept, m->cap_kept * sizeof(*m->kept));
    }
    if (kind < F_STANDARD && !m->first_of[kind])
        m->first_of[kind] = (uint32_t)(m->n_kept + 1);
    f = &m->kept[m->n_kept++];
    f->kind = kind;
    f->key_off = 0;
    f->val_off = m->arena.len;
    f->val_len = len;
    /* value and NUL with one capacity check: aura_buf_append + aura_buf_putc
     * measured ~20 ns per entry slower (map microbenchmark, 245-251 vs 226-228) */
    aura_buf_reserve(&m->arena, len + 1);
    aura_copy_small(m->arena.data + m->arena.len, val, len);
    m->arena.len += len + 1;
    m->arena.data[m->arena.len - 1] = '\0';
    m->arena.data[m->arena.len] = '\0';
    return f;
}

static const struct jr_map_field *find_kind(const struct jr_map *m, int kind) {
    return m->first_of[kind] ? &m->kept[m->first_of[kind] - 1] : NULL;
}

/* Decimal digits only, no sign, no overflow; -1 otherwise. */
static int64_t parse_u63(const char *s, size_t len) {
    uint64_t v;
    return aura_parse_digits(s, len, 18, &v) == 0 ? (int64_t)v : -1;
}

static bool wanted_extra(const struct jr_map *m, const char *name) {
    if (m->all_fields)
        return true;
    for (char **p = m->extra; p && *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

void jr_map_add(struct jr_map *m, const void *data, size_t len) {
    const char *d = data;
    const char *eq = field_eq(d, len);
    size_t nlen, vlen;
    const char *val;
    int kind = F_EXTRA;

    if (!eq || eq == d)
        return;
    nlen = (size_t)(eq - d);
    val = eq + 1;
    vlen = len - nlen - 1;

    kind = standard_kind(d, nlen);

    if (kind != F_EXTRA && !find_kind(m, kind)) {
        keep(m, kind, val, vlen);
        if (kind == F_PID)
            m->pid = parse_u63(val, vlen);
        else if (kind == F_IDENTIFIER)
            m->own_identifier = strlen(m->self_identifier) == vlen && memcmp(m->self_identifier, val, vlen) == 0;
        else if (kind == F_BOOT_ID && vlen < sizeof(m->boot_id)) {
            memcpy(m->boot_id, val, vlen);
            m->boot_id[vlen] = '\0';
        }
    }

    /* Extra fields: everything but the message itself (which is the message). */
    if ((m->extra || m->all_fields) && kind != F_MESSAGE) {
        char name[256];
        size_t n = jr_map_field_name(d, nlen, name, sizeof(name));
        if (n > 0 && wanted_extra(m, name)) {
            size_t key_off = m->arena.len;
            aura_buf_append(&m->arena, name, n);
            aura_buf_putc(&m->arena, '\0');
            keep(m, F_EXTRA, val, vlen)->key_off = key_off;
        }
    }
}

/* inline: key is a literal at every call, so its length is a constant */
static inline __attribute__((always_inline)) void add_kept_str(struct jr_map *m, const char *key, int kind) {
    const struct jr_map_field *f = find_kind(m, kind);
    if (f)
        aura_entry_add_str(&m->entry, key, m->arena.data + f->val_off, f->val_len);
}

struct aura_entry *jr_map_end(struct jr_map *m, int64_t realtime_us) {
    struct aura_entry *e = &m->entry;
    const char *a = m->arena.data;
    const struct jr_map_field *f;
    int severity = -1;
    int64_t v;

    aura_entry_reset(e);
    /* SPEC §8: an entry of another machine's journal describes that machine:
     * the bridge's host keys are left out of it and "relay" added */
    f = find_kind(m, F_MACHINE_ID);
    e->relayed = f && m->own_machine_id[0] &&
                 !(f->val_len == strlen(m->own_machine_id) && memcmp(a + f->val_off, m->own_machine_id, f->val_len) == 0);

    f = find_kind(m, F_MESSAGE);
    e->message = f ? a + f->val_off : "";
    e->message_len = f ? f->val_len : 0;

    f = find_kind(m, F_PRIORITY);
    if (f)
        severity = aura_severity_parse(a + f->val_off, f->val_len);
    e->level = aura_level_from_severity(severity);
    m->severity = severity;

    f = find_kind(m, F_SOURCE_TIME);
    v = f ? parse_u63(a + f->val_off, f->val_len) : -1;
    e->time_us = v > 0 ? v : realtime_us;

    f = find_kind(m, F_TRACE_ID);
    if (f && f->val_len > 0) {
        e->trace_id = a + f->val_off;
        e->trace_id_len = f->val_len;
    }

    add_kept_str(m, "host", F_HOSTNAME);
    if (find_kind(m, F_IDENTIFIER))
        add_kept_str(m, "program", F_IDENTIFIER);
    else
        add_kept_str(m, "program", F_COMM);

    v = m->pid;
    if (v < 0 && (f = find_kind(m, F_SYSLOG_PID)))
        v = parse_u63(a + f->val_off, f->val_len);
    if (v >= 0)
        aura_entry_add_int(e, "pid", v);

    f = find_kind(m, F_FACILITY);
    if (f) {
        int64_t fac = parse_u63(a + f->val_off, f->val_len);
        const char *name = fac >= 0 && fac < 64 ? aura_facility_name((int)fac) : NULL;
        if (name)
            aura_entry_add_cstr(e, "facility", name);
    }
    if (severity >= 0)
        aura_entry_add_cstr(e, "severity", aura_severity_name(severity));

    add_kept_str(m, "unit", F_UNIT);
    add_kept_str(m, "user_unit", F_USER_UNIT);
    add_kept_str(m, "boot_id", F_BOOT_ID);
    add_kept_str(m, "machine_id", F_MACHINE_ID);
    add_kept_str(m, "msgid", F_MESSAGE_ID);
    aura_entry_add_cstr(e, "source", "journald");

    for (size_t i = 0; i < m->n_kept; i++) {
        f = &m->kept[i];
        if (f->kind == F_EXTRA && !aura_entry_has(e, a + f->key_off))
            aura_entry_add_str(e, a + f->key_off, a + f->val_off, f->val_len);
    }
    return e;
}

size_t jr_map_stream_key(const struct jr_map *m, char *out, size_t size) {
    const struct jr_map_field *f = find_kind(m, F_INVOCATION);
    const char *a = m->arena.data;
    size_t n = 0;
    if (size == 0)
        return 0;
    if (f && f->val_len) {
        n = f->val_len < size ? f->val_len : size;
        memcpy(out, a + f->val_off, n);
        return n;
    }
    /* no unit around it: the process, by _PID and _COMM */
    n = (size_t)snprintf(out, size, "%lld/", (long long)m->pid);
    if (n >= size)
        return size - 1;
    f = find_kind(m, F_COMM);
    if (f) {
        size_t c = f->val_len < size - n ? f->val_len : size - n;
        memcpy(out + n, a + f->val_off, c);
        n += c;
    }
    return n;
}
