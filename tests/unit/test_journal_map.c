/* test_journal_map - journal fields to Auralog entries (SPEC §3-§5): each
 * case is a list of FIELD=value strings and the encoded entry it must give. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "wire.h"
#include "map.h"
#include "tap.h"

#define RT 1700000000000000LL /* the entry's __REALTIME_TIMESTAMP: 2023-11-14T22:13:20Z */

struct field {
    const char *data;
    size_t len; /* 0: strlen */
};

static const char *encode(struct jr_map *m, const struct field *fields) {
    static struct aura_buf out = AURA_BUF_INIT;
    jr_map_begin(m);
    for (const struct field *f = fields; f->data; f++)
        jr_map_add(m, f->data, f->len ? f->len : strlen(f->data));
    struct aura_entry *e = jr_map_end(m, RT);
    aura_buf_reset(&out);
    aura_wire_entry(e, NULL, "test", 65536, &out);
    return out.data;
}

#define F(s) {s, 0}
#define END {NULL, 0}

static const struct {
    const char *name;
    struct field fields[20];
    const char *want;
} cases[] = {
    {"every metadata key",
     {F("_BOOT_ID=b0"), F("MESSAGE=hello"), F("PRIORITY=3"), F("SYSLOG_FACILITY=3"), F("SYSLOG_IDENTIFIER=app"),
      F("_COMM=appd"), F("_PID=42"), F("SYSLOG_PID=7"), F("_HOSTNAME=h1"), F("_SYSTEMD_UNIT=app.service"),
      F("_SYSTEMD_USER_UNIT=u.service"), F("MESSAGE_ID=m1"), F("TRACE_ID=t1"),
      F("_SOURCE_REALTIME_TIMESTAMP=1700000000123456"), F("_UID=0"), END},
     "{\"level\":\"error\",\"message\":\"hello\",\"environment\":\"test\",\"timestamp\":\"2023-11-14T22:13:20.123456Z\","
     "\"metadata\":{\"host\":\"h1\",\"program\":\"app\",\"pid\":42,\"facility\":\"daemon\",\"severity\":\"err\","
     "\"unit\":\"app.service\",\"user_unit\":\"u.service\",\"boot_id\":\"b0\",\"msgid\":\"m1\",\"source\":\"journald\"},"
     "\"traceId\":\"t1\"}"},
    {"no PRIORITY, no _HOSTNAME, no SYSLOG_IDENTIFIER: info, program from _COMM, entry realtime",
     {F("MESSAGE=plain"), F("_COMM=sh"), F("SYSLOG_PID=77"), END},
     "{\"level\":\"info\",\"message\":\"plain\",\"environment\":\"test\",\"timestamp\":\"2023-11-14T22:13:20.000000Z\","
     "\"metadata\":{\"program\":\"sh\",\"pid\":77,\"source\":\"journald\"}}"},
    {"invalid PRIORITY and facility, non-numeric SYSLOG_PID, bad source time",
     {F("MESSAGE=x"), F("PRIORITY=9"), F("SYSLOG_FACILITY=99"), F("SYSLOG_PID=abc"),
      F("_SOURCE_REALTIME_TIMESTAMP=soon"), END},
     "{\"level\":\"info\",\"message\":\"x\",\"environment\":\"test\",\"timestamp\":\"2023-11-14T22:13:20.000000Z\","
     "\"metadata\":{\"source\":\"journald\"}}"},
    {"no MESSAGE at all",
     {F("PRIORITY=7"), END},
     "{\"level\":\"debug\",\"message\":\"\",\"environment\":\"test\",\"timestamp\":\"2023-11-14T22:13:20.000000Z\","
     "\"metadata\":{\"severity\":\"debug\",\"source\":\"journald\"}}"},
    {"binary MESSAGE with NUL and invalid UTF-8",
     {{"MESSAGE=a\0b\xff" "c", 13}, END},
     "{\"level\":\"info\",\"message\":\"a\\u0000b\xef\xbf\xbd" "c\",\"environment\":\"test\",\"timestamp\":"
     "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"source\":\"journald\"}}"},
    {"multi-line MESSAGE keeps inner newlines, drops one trailing newline",
     {F("MESSAGE=line1\nline2\n"), END},
     "{\"level\":\"info\",\"message\":\"line1\\nline2\",\"environment\":\"test\",\"timestamp\":"
     "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"source\":\"journald\"}}"},
    {"first of duplicate fields wins; data without '=' is ignored",
     {F("MESSAGE=first"), F("MESSAGE=second"), F("GARBAGE"), F("=x"), END},
     "{\"level\":\"info\",\"message\":\"first\",\"environment\":\"test\",\"timestamp\":\"2023-11-14T22:13:20.000000Z\","
     "\"metadata\":{\"source\":\"journald\"}}"},
};

static const char *const sev_level[8] = {"fatal", "fatal", "fatal", "error", "warn", "info", "info", "debug"};
static const char *const sev_name[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
static const char *const fac_name[24] = {"kern",   "user",   "mail",   "daemon", "auth",   "syslog",
                                         "lpr",    "news",   "uucp",   "cron",   "authpriv", "ftp",
                                         NULL,     NULL,     NULL,     NULL,     "local0", "local1",
                                         "local2", "local3", "local4", "local5", "local6", "local7"};

int main(void) {
    struct jr_map m;
    char want[512], buf[64], buf2[64];

    jr_map_init(&m);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR(encode(&m, cases[i].fields), cases[i].want, "%s", cases[i].name);

    for (int s = 0; s < 8; s++) {
        struct field f[] = {F("MESSAGE=m"), {buf, 0}, END};
        snprintf(buf, sizeof(buf), "PRIORITY=%d", s);
        snprintf(want, sizeof(want),
                 "{\"level\":\"%s\",\"message\":\"m\",\"environment\":\"test\",\"timestamp\":"
                 "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"severity\":\"%s\",\"source\":\"journald\"}}",
                 sev_level[s], sev_name[s]);
        CHECK_STR(encode(&m, f), want, "PRIORITY=%d", s);
    }
    for (int fa = 0; fa < 24; fa++) {
        struct field f[] = {F("MESSAGE=m"), {buf, 0}, END};
        snprintf(buf, sizeof(buf), "SYSLOG_FACILITY=%d", fa);
        if (!fac_name[fa])
            continue;
        snprintf(want, sizeof(want),
                 "{\"level\":\"info\",\"message\":\"m\",\"environment\":\"test\",\"timestamp\":"
                 "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"facility\":\"%s\",\"source\":\"journald\"}}",
                 fac_name[fa]);
        CHECK_STR(encode(&m, f), want, "SYSLOG_FACILITY=%d", fa);
    }

    /* the '=' that ends a name, wherever it is: names of 1 to 70 bytes, values
     * of 0 to 20 bytes with an '=' of their own, in a buffer just as long
     * (ASan sees a read past it); with all fields as metadata, the name is the
     * key and the rest the value */
    {
        bool ok = true;
        struct jr_map all;
        jr_map_init(&all);
        jr_map_set_fields(&all, NULL, true);
        for (size_t k = 0; k <= 70 && ok; k++)
            for (size_t v = 0; v <= 20 && ok; v++) {
                size_t len = k + 1 + v;
                char *fd = malloc(len);
                char key[80], val[32], expect[160];
                memset(fd, 'a', k);
                fd[k] = '=';
                for (size_t j = 0; j < v; j++)
                    fd[k + 1 + j] = j % 3 == 1 ? '=' : 'b';
                memcpy(key, fd, k);
                key[k] = '\0';
                memcpy(val, fd + k + 1, v);
                val[v] = '\0';
                struct field f[] = {F("MESSAGE=m"), {fd, len}, END};
                const char *got = encode(&all, f);
                snprintf(expect, sizeof expect, "\"%s\":\"%s\"", key, val);
                if (k == 0 ? strstr(got, ":\"b") != NULL : strstr(got, expect) == NULL) {
                    ok = false;
                    printf("# name of %zu, value of %zu: %s\n", k, v, got);
                }
                free(fd);
            }
        CHECK(ok, "the '=' after a name of 1 to 70 bytes is found, the value's own '=' kept in it");
        jr_map_free(&all);
    }

    /* metadata names of journal fields */
    static const struct {
        const char *field, *name;
    } names[] = {{"_SYSTEMD_SLICE", "systemd_slice"}, {"__CURSOR", "cursor"}, {"CODE_FILE", "code_file"},
                 {"my_Field", "my_field"},            {"___", ""}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        jr_map_field_name(names[i].field, strlen(names[i].field), buf2, sizeof(buf2));
        CHECK_STR(buf2, names[i].name, "field name %s", names[i].field);
    }

    /* extra fields: named either way, in journal order, standard keys win */
    {
        char *fields[] = {"_SYSTEMD_SLICE", "code_line", "_pid", "MESSAGE", NULL};
        struct field f[] = {F("MESSAGE=m"), F("CODE_LINE=12"), F("_PID=5"), F("_SYSTEMD_SLICE=system.slice"),
                            F("OTHER=no"), END};
        jr_map_set_fields(&m, fields, false);
        CHECK_STR(encode(&m, f),
                  "{\"level\":\"info\",\"message\":\"m\",\"environment\":\"test\",\"timestamp\":"
                  "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"pid\":5,\"source\":\"journald\",\"code_line\":\"12\","
                  "\"systemd_slice\":\"system.slice\"}}",
                  "fields = _SYSTEMD_SLICE code_line _pid MESSAGE");
        jr_map_set_fields(&m, NULL, true);
        CHECK_STR(encode(&m, f),
                  "{\"level\":\"info\",\"message\":\"m\",\"environment\":\"test\",\"timestamp\":"
                  "\"2023-11-14T22:13:20.000000Z\",\"metadata\":{\"pid\":5,\"source\":\"journald\",\"code_line\":\"12\","
                  "\"systemd_slice\":\"system.slice\",\"other\":\"no\"}}",
                  "fields = *");
        jr_map_set_fields(&m, NULL, false);
    }

    /* facts the reader uses to skip its own diagnostics and see boot changes */
    {
        struct field f[] = {F("MESSAGE=m"), F("_PID=1234"), F("SYSLOG_IDENTIFIER=auralog-journald"),
                            F("_BOOT_ID=0123456789abcdef0123456789abcdef"), END};
        encode(&m, f);
        CHECK_INT(m.pid, 1234, "pid fact");
        CHECK(m.own_identifier, "own identifier recognised");
        CHECK_STR(m.boot_id, "0123456789abcdef0123456789abcdef", "boot id fact");
        struct field g[] = {F("MESSAGE=m"), F("SYSLOG_IDENTIFIER=auralog-journaldX"), END};
        encode(&m, g);
        CHECK_INT(m.pid, -1, "no _PID: -1");
        CHECK(!m.own_identifier, "other identifier is not ours");
        CHECK_STR(m.boot_id, "", "no boot id");
    }

    /* a large value grows the arena while pointers are still offsets: later fields stay intact */
    {
        size_t big = 300000;
        char *msg = malloc(big + 9);
        memcpy(msg, "MESSAGE=", 8);
        memset(msg + 8, 'x', big);
        struct field f[] = {F("_HOSTNAME=before"), {msg, big + 8}, F("SYSLOG_IDENTIFIER=after"), END};
        jr_map_begin(&m);
        for (struct field *p = f; p->data; p++)
            jr_map_add(&m, p->data, p->len ? p->len : strlen(p->data));
        struct aura_entry *e = jr_map_end(&m, RT);
        CHECK_INT(e->message_len, big, "big message length");
        CHECK(e->message[0] == 'x' && e->message[big - 1] == 'x', "big message content");
        CHECK(e->n_fields >= 2 && strcmp(e->fields[0].key, "host") == 0 && e->fields[0].len == 6 &&
                  memcmp(e->fields[0].str, "before", 6) == 0,
              "field before the big one intact");
        CHECK(e->n_fields >= 2 && strcmp(e->fields[1].key, "program") == 0 && e->fields[1].len == 5 &&
                  memcmp(e->fields[1].str, "after", 5) == 0,
              "field after the big one intact");
        free(msg);
    }

    jr_map_free(&m);
    return tap_done();
}
