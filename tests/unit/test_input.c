/* test_input - omprog input lines -> entries (plugin/input.c): the shipped
 * JSON template, raw syslog lines with and without <PRI>, bad input. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "../../plugin/input.h"
#include "entry.h"
#include "wire.h"
#include "level.h"
#include "tap.h"

#define NOW 1700000000000000LL

static const struct aura_field *field(const struct aura_entry *e, const char *key) {
    for (size_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].key, key) == 0)
            return &e->fields[i];
    return NULL;
}

/* field value rendered as text: strings as-is, numbers/bools as digits, JSON compact */
static const char *fval(const struct aura_entry *e, const char *key) {
    static char buf[1024];
    const struct aura_field *f = field(e, key);
    if (!f)
        return NULL;
    switch (f->type) {
    case AURA_FIELD_STR: snprintf(buf, sizeof(buf), "%.*s", (int)f->len, f->str); break;
    case AURA_FIELD_INT: snprintf(buf, sizeof(buf), "%lld", (long long)f->num); break;
    case AURA_FIELD_BOOL: snprintf(buf, sizeof(buf), "%s", f->num ? "true" : "false"); break;
    case AURA_FIELD_JSON:
        snprintf(buf, sizeof(buf), "json:%s", json_object_to_json_string_ext(f->json, JSON_C_TO_STRING_PLAIN));
        break;
    }
    return buf;
}

static const char *msg(const struct aura_entry *e) {
    static char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s", (int)e->message_len, e->message);
    return buf;
}

static enum omp_input_kind parse(struct omp_input *in, struct aura_entry *e, const char *line) {
    return omp_input_parse(in, line, strlen(line), NOW, e);
}

int main(void) {
    struct omp_input in;
    struct aura_entry e;
    int64_t t;

    omp_input_init(&in);
    aura_entry_init(&e);

    /* --- time --------------------------------------------------------- */
    static const struct {
        const char *s;
        int ret;
        int64_t us;
    } times[] = {
        {"2026-11-25T12:00:00Z", 0, 1795608000000000LL},
        {"2026-11-25T12:00:00.123456Z", 0, 1795608000123456LL},
        {"2026-11-25T12:00:00.5+00:00", 0, 1795608000500000LL},
        {"2026-11-25T13:30:00.000001+01:30", 0, 1795608000000001LL},
        {"2026-11-25T10:00:00-02:00", 0, 1795608000000000LL},
        {"2026-11-25T12:00:00.1234567Z", 0, 1795608000123456LL},
        {"2026-11-25 12:00:00Z", 0, 1795608000000000LL},
        {"2026-11-25T12:00:00", -EINVAL, 0},
        {"2026-13-25T12:00:00Z", -EINVAL, 0},
        {"2026-11-25T12:00:00.Z", -EINVAL, 0},
        {"2026-11-25T12:00:00+0100", -EINVAL, 0},
        {"Nov 25 12:00:00", -EINVAL, 0},
        {"", -EINVAL, 0},
        /* the day number of the last date is kept: the same date again,
         * with a bad time of day, a bad separator, then another date */
        {"2026-11-25T12:00:01Z", 0, 1795608001000000LL},
        {"2026-11-25T24:00:00Z", -EINVAL, 0},
        {"2026-11-25X12:00:00Z", -EINVAL, 0},
        {"2026-11-25T12:60:00Z", -EINVAL, 0},
        {"2026-11-25T12:00:00.000002Z", 0, 1795608000000002LL},
        {"2026-11-26T12:00:00Z", 0, 1795694400000000LL},
        {"2026-11-2xT12:00:00Z", -EINVAL, 0},
        {"2026-11-25T12:00:00Z", 0, 1795608000000000LL},
    };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        t = 0;
        int r = omp_input_parse_time(times[i].s, strlen(times[i].s), &t);
        CHECK_INT(r, times[i].ret, "time '%s' parse result", times[i].s);
        if (r == 0)
            CHECK_INT(t, times[i].us, "time '%s' value", times[i].s);
    }

    /* the date arithmetic agrees with timegm, day overflow and leap seconds included */
    {
        int bad = 0, n = 0;
        for (int year = 1900; year <= 2400; year += 7)
            for (int mon = 1; mon <= 12; mon++)
                for (int day = 1; day <= 31; day += 3) {
                    char s[40];
                    int sec = (day * 7) % 61; /* 0..60 */
                    struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = day % 24,
                                    .tm_min = (mon * 5) % 60, .tm_sec = sec};
                    snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ", year, mon, day, day % 24, (mon * 5) % 60,
                             sec);
                    t = 0;
                    n++;
                    if (omp_input_parse_time(s, strlen(s), &t) != 0 || t != (int64_t)timegm(&tm) * 1000000) {
                        if (bad++ < 3)
                            printf("# %s: %lld, timegm %lld\n", s, (long long)t, (long long)timegm(&tm) * 1000000);
                    }
                }
        CHECK(bad == 0, "%d dates from 1900 to 2400 give timegm's value (%d differ)", n, bad);
    }

    /* --- remote ip ---------------------------------------------------- */
    static const struct {
        const char *ip;
        bool remote;
    } ips[] = {{"", false},          {"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false},
               {"::ffff:127.0.0.1", false}, {"10.0.0.5", true},   {"192.168.1.1", true}, {"2001:db8::1", true},
               {"128.0.0.1", true}};
    for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
        CHECK_INT(omp_input_is_remote_ip(ips[i].ip, strlen(ips[i].ip)), ips[i].remote, "remote ip '%s'", ips[i].ip);

    /* --- the shipped template ------------------------------------------ */
    CHECK_INT(parse(&in, &e,
                    "{\"time\":\"2026-11-25T12:00:00.123456+00:00\",\"host\":\"web1\",\"fromhost_ip\":\"127.0.0.1\","
                    "\"severity\":\"3\",\"facility\":\"daemon\",\"app\":\"nginx\",\"procid\":\"812\",\"msgid\":\"-\","
                    "\"sd\":\"[meta traceId=\\\"abc123\\\" user=\\\"u1\\\"]\",\"msg\":\" upstream timed out\"}\n"),
              OMP_INPUT_JSON, "template line is JSON");
    CHECK_INT(e.level, AURA_LEVEL_ERROR, "severity 3 -> error");
    CHECK_INT(e.time_us, 1795608000123456LL, "time from the template");
    CHECK_STR(msg(&e), "upstream timed out", "message, leading space of the msg property dropped");
    CHECK_STR(fval(&e, "host"), "web1", "host");
    CHECK_STR(fval(&e, "program"), "nginx", "program from app");
    CHECK_STR(fval(&e, "pid"), "812", "pid");
    CHECK_INT(field(&e, "pid") ? (int)field(&e, "pid")->type : -1, (int)AURA_FIELD_INT, "pid is a number");
    CHECK_STR(fval(&e, "facility"), "daemon", "facility keyword");
    CHECK_STR(fval(&e, "severity"), "err", "severity keyword");
    CHECK(field(&e, "msgid") == NULL, "msgid '-' omitted");
    CHECK_STR(fval(&e, "structured_data"), "json:{\"meta\":{\"traceId\":\"abc123\",\"user\":\"u1\"}}", "sd parsed");
    CHECK_STR(e.trace_id ? e.trace_id : NULL, "abc123", "traceId from SD");
    CHECK_INT(e.trace_id_len, 6, "traceId length");
    CHECK_STR(fval(&e, "source"), "rsyslog", "source");
    CHECK(!e.relayed, "loopback fromhost_ip: not relayed");

    /* numbers, keywords, relay, fields */
    CHECK_INT(parse(&in, &e,
                    "{\"time\":\"bad\",\"host\":\"remote1\",\"fromhost_ip\":\"10.1.2.3\",\"severity\":\"warning\","
                    "\"facility\":16,\"app\":\"-\",\"procid\":\"worker-1\",\"msgid\":\"ID47\",\"sd\":\"-\",\"msg\":\"m\","
                    "\"fields\":{\"user\":\"bob\",\"n\":42,\"ok\":true,\"obj\":{\"a\":[1,2]},\"host\":\"evil\"}}"),
              OMP_INPUT_JSON, "second template line");
    CHECK_INT(e.time_us, NOW, "invalid time -> now");
    CHECK(e.relayed, "remote fromhost_ip: relayed");
    CHECK_INT(e.level, AURA_LEVEL_WARN, "severity keyword warning -> warn");
    CHECK_STR(fval(&e, "facility"), "local0", "numeric facility 16 -> local0");
    CHECK(field(&e, "program") == NULL, "app '-' omitted");
    CHECK(field(&e, "pid") == NULL, "non-numeric procid omitted");
    CHECK_STR(fval(&e, "msgid"), "ID47", "msgid");
    CHECK(field(&e, "structured_data") == NULL, "sd '-' omitted");
    CHECK(e.trace_id == NULL, "no trace id");
    CHECK_STR(fval(&e, "user"), "bob", "fields: string");
    CHECK_STR(fval(&e, "n"), "42", "fields: number");
    CHECK_INT(field(&e, "n")->type, AURA_FIELD_INT, "fields: number type");
    CHECK_STR(fval(&e, "ok"), "true", "fields: bool");
    CHECK_STR(fval(&e, "obj"), "json:{\"a\":[1,2]}", "fields: object as JSON");
    CHECK_STR(fval(&e, "host"), "remote1", "standard host key wins over fields.host");

    /* mmjsonparse's $!msg copy of a non-JSON message is not merged; another msg is */
    parse(&in, &e, "{\"msg\":\" plain\",\"fields\":{\"msg\":\" plain\"}}");
    CHECK(field(&e, "msg") == NULL, "fields.msg equal to the message (mmjsonparse) skipped");
    parse(&in, &e, "{\"msg\":\"@cee: {}\",\"fields\":{\"msg\":\"inner\"}}");
    CHECK_STR(fval(&e, "msg"), "inner", "fields.msg different from the message kept");

    parse(&in, &e, "{\"msg\":\"\xEF\xBB\xBFwith bom\"}");
    CHECK_STR(msg(&e), "with bom", "RFC 5424 BOM dropped from the message");

    /* missing pieces: severity missing -> info, no severity key; bad SD kept raw */
    CHECK_INT(parse(&in, &e, "{\"msg\":\"only\",\"sd\":\"[broken\",\"severity\":\"12\"}"), OMP_INPUT_JSON,
              "minimal object");
    CHECK_INT(e.level, AURA_LEVEL_INFO, "invalid severity -> info");
    CHECK(field(&e, "severity") == NULL, "invalid severity: no keyword");
    CHECK_STR(fval(&e, "structured_data_raw"), "[broken", "unparseable SD kept as structured_data_raw");
    CHECK_INT(e.time_us, NOW, "no time -> now");
    CHECK(parse(&in, &e, "{}") == OMP_INPUT_JSON && e.message_len == 0, "empty object: empty message");
    CHECK(parse(&in, &e, "{\"msg\":\"x\",\"fields\":\"not an object\"}") == OMP_INPUT_JSON &&
              field(&e, "fields") == NULL,
          "fields not an object: ignored");
    CHECK(parse(&in, &e, "{\"severity\":2,\"msg\":\"c\"}") == OMP_INPUT_JSON && e.level == AURA_LEVEL_FATAL,
          "numeric severity 2 -> fatal");

    /* --- raw syslog lines --------------------------------------------- */
    CHECK_INT(parse(&in, &e, "<11>myapp[12]: disk full"), OMP_INPUT_RAW, "PRI line is raw");
    CHECK_INT(e.level, AURA_LEVEL_ERROR, "<11> = user.err -> error");
    CHECK_STR(fval(&e, "facility"), "user", "<11> facility user");
    CHECK_STR(fval(&e, "severity"), "err", "<11> severity err");
    CHECK_STR(msg(&e), "myapp[12]: disk full", "PRI stripped from the message");
    CHECK_INT(e.time_us, NOW, "raw: time now");
    CHECK_STR(fval(&e, "source"), "rsyslog", "raw: source");
    CHECK_INT(parse(&in, &e, "<191>debug line"), OMP_INPUT_RAW, "PRI 191");
    CHECK_STR(fval(&e, "facility"), "local7", "191 -> local7");
    CHECK_INT(e.level, AURA_LEVEL_DEBUG, "191 -> debug");
    parse(&in, &e, "<192>too big");
    CHECK_STR(msg(&e), "<192>too big", "PRI > 191 is not a PRI");
    CHECK(field(&e, "severity") == NULL, "no severity for invalid PRI");
    parse(&in, &e, "<>x");
    CHECK_STR(msg(&e), "<>x", "empty PRI kept in the message");
    parse(&in, &e, "<0>");
    CHECK_STR(msg(&e), "", "<0> alone: empty message");
    CHECK_INT(e.level, AURA_LEVEL_FATAL, "<0> emerg -> fatal");
    parse(&in, &e, "plain text line\n");
    CHECK_STR(msg(&e), "plain text line", "plain line, trailing newline stripped");
    CHECK_INT(e.level, AURA_LEVEL_INFO, "plain line: info");
    CHECK(field(&e, "severity") == NULL, "plain line: no severity");

    /* --- bad JSON is forwarded raw ------------------------------------ */
    static const char *bad[] = {"{\"msg\":\"trunc", "[1,2,3]", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "{",
                                "[\"msg\"]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *b = bad[i] ? bad[i] : ""; /* never NULL; says so to gcc's -fsanitize format checks */
        CHECK_INT(parse(&in, &e, b), OMP_INPUT_BAD_JSON, "bad JSON '%s' detected", b);
        CHECK_STR(msg(&e), b, "bad JSON '%s' forwarded as the message", b);
    }
    {
        static const char nul[] = "{\"msg\":\"a\0b\"}";
        enum omp_input_kind k = omp_input_parse(&in, nul, sizeof(nul) - 1, NOW, &e);
        CHECK(k == OMP_INPUT_BAD_JSON || (k == OMP_INPUT_JSON && e.message_len >= 1),
              "raw NUL inside JSON: forwarded either way");
        static const char nul2[] = "raw\0line";
        k = omp_input_parse(&in, nul2, sizeof(nul2) - 1, NOW, &e);
        CHECK(k == OMP_INPUT_RAW && e.message_len == sizeof(nul2) - 1, "raw line with NUL keeps its bytes");
    }
    CHECK(parse(&in, &e, "{\"msg\":\"\\u0000x\"}") == OMP_INPUT_JSON && e.message_len == 2,
          "escaped NUL in JSON kept (length-based)");
    CHECK(parse(&in, &e, "{\"msg\":\"bad \xff\xfe utf8\"}") == OMP_INPUT_JSON && e.message_len == 11,
          "invalid UTF-8 inside JSON string accepted (repaired at encode)");

    /* a big line: 4 MiB message parses */
    {
        size_t n = 4u << 20;
        char *big = malloc(n + 32);
        memcpy(big, "{\"msg\":\"", 8);
        memset(big + 8, 'x', n);
        memcpy(big + 8 + n, "\"}", 3);
        CHECK(omp_input_parse(&in, big, n + 10, NOW, &e) == OMP_INPUT_JSON && e.message_len == n,
              "4 MiB message parsed");
        aura_entry_reset(&e);
        omp_input_free(&in);
        omp_input_init(&in);
        free(big);
    }

    /* The template's flat objects are read without json-c: every line gives
     * the same kind and the same encoded entry either way. */
    {
        static const char *const same[] = {
            "{\"time\":\"2026-11-25T12:00:00.123456+01:00\",\"host\":\"web1\",\"fromhost_ip\":\"10.0.0.5\","
            "\"severity\":\"3\",\"facility\":\"daemon\",\"app\":\"nginx\",\"procid\":\"812\",\"msgid\":\"-\","
            "\"sd\":\"[meta traceId=\\\"abc\\\"]\",\"msg\":\" upstream timed out\",\"fields\":{}}",
            "{\"time\":\"2026-11-25T12:00:00Z\",\"host\":\"\",\"fromhost_ip\":\"127.0.0.1\",\"severity\":\"warning\","
            "\"facility\":\"local7\",\"app\":\"-\",\"procid\":\"-\",\"msgid\":\"ID47\",\"sd\":\"-\",\"msg\":\"a\",\"fields\":{ }}",
            "{\"msg\":\"esc \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\u20ac \\u0041\"}",
            "{\"msg\":\"pair \\ud83d\\ude00 lone \\ud83d\"}",
            "{\"msg\":\"\\u0000x\"}",
            "{\"msg\":\"\xEF\xBB\xBF" "bom\"}",
            "{\"msg\":\"bad \xff\xfe utf8\"}",
            "{\"msg\":\"first\",\"msg\":\"second wins\",\"severity\":\"2\",\"severity\":\"err\"}",
            "{\"msg\":\"numbers\",\"severity\":3,\"facility\":4,\"procid\":77}",
            "{\"msg\":\"fields\",\"fields\":{\"k\":\"v\",\"n\":1,\"msg\":\"fields\"}}",
            "{\"msg\":\"fields not an object\",\"fields\":\"x\"}",
            "{\"msg\":1,\"host\":true,\"app\":null,\"procid\":\"12x\"}",
            "  {  \"msg\" :  \"spaces\" ,\n \"host\":\"h\" }  \t\r",
            "{}",
            "{ }",
            "{\"msg\":\"trailing\"} x",
            "{\"msg\":\"two\"}{\"msg\":\"objects\"}",
            "{\"msg\":\"unterminated}",
            "{\"msg\":\"bad escape \\x\"}",
            "{\"msg\":\"short \\u12\"}",
            "{\"msg\":\"raw\ttab\"}",
            "{\"m\\u0073g\":\"escaped key\"}",
            "{\"msg\":\"trailing comma\",}",
            "{'msg':'single quotes'}",
            "{\"msg\":\"x\",\"procid\":\"1234567890123456789\"}",
            "{\"sd\":\"[x@1 a=\\\"1\\\"][y@2 traceId=\\\"t\\\"]\",\"msg\":\"sd\"}",
            "{\"sd\":\"not sd\",\"msg\":\"sd raw\",\"fromhost_ip\":\"::ffff:127.0.0.1\"}",
            "{\"fromhost_ip\":\"192.0.2.1\",\"host\":\"origin\",\"msg\":\"relayed\"}",
            "[\"array\"]",
        };
        struct omp_input slow;
        struct aura_entry e2;
        struct aura_buf a = AURA_BUF_INIT, b = AURA_BUF_INIT;
        omp_input_init(&slow);
        slow.no_flat = true;
        aura_entry_init(&e2);
        for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
            enum omp_input_kind k1 = omp_input_parse(&in, same[i], strlen(same[i]), NOW, &e);
            enum omp_input_kind k2 = omp_input_parse(&slow, same[i], strlen(same[i]), NOW, &e2);
            aura_buf_reset(&a);
            aura_buf_reset(&b);
            aura_wire_entry(&e, NULL, "test", 0, &a);
            aura_wire_entry(&e2, NULL, "test", 0, &b);
            CHECK(k1 == k2, "flat reader and json-c agree on the kind: %s", same[i]);
            CHECK_STR(a.data, b.data, "flat reader and json-c encode the same entry: %s", same[i]);
        }
        /* an escape, a quote, a control character or a multi-byte
         * character at every position of a key's value (the flat reader
         * scans eight bytes at a time and stops at the first such byte) */
        static const char *const specials[] = {"\\\"", "\\\\", "\\n", "\\u00e9", "\\/", "\t", "\xc3\xa9", "\""};
        for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
            int differ = 0;
            for (size_t pos = 0; pos <= 24; pos++) {
                char val[64], line[256];
                snprintf(val, sizeof(val), "%.*s%s%.*s", (int)pos, "abcdefghijklmnopqrstuvwxyz", specials[k],
                         (int)(24 - pos), "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
                snprintf(line, sizeof(line), "{\"host\":\"%s\",\"msg\":\"%s\",\"fields\":{}}", val + (pos % 3), val);
                enum omp_input_kind k1 = omp_input_parse(&in, line, strlen(line), NOW, &e);
                enum omp_input_kind k2 = omp_input_parse(&slow, line, strlen(line), NOW, &e2);
                aura_buf_reset(&a);
                aura_buf_reset(&b);
                aura_wire_entry(&e, NULL, "test", 0, &a);
                aura_wire_entry(&e2, NULL, "test", 0, &b);
                differ += k1 != k2 || strcmp(a.data, b.data) != 0;
            }
            CHECK_INT(differ, 0, "flat reader and json-c agree with %s at every position of a value", specials[k]);
        }
        aura_buf_free(&a);
        aura_buf_free(&b);
        aura_entry_free(&e2);
        omp_input_free(&slow);
    }

    /* facility and severity keywords: the flat reader remembers the
     * facility keywords it looked up (slots shared by several keywords) and
     * reads a severity digit at once; every one gives what level.c says,
     * however often and in whatever order it comes */
    {
        static const char *const kws[] = {
            "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
            "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6",
            "local7", "security", "console", "solaris-cron", "cron2", "DAEMON", "Local7", "0", "3", "7", "8", "23",
            "24", "emerg", "err", "warning", "Warning", "panic", "error", "warn", "info", "debug", "nope",
            "a-keyword-longer-than-15", "", "-", "06", "7x"};
        size_t n = sizeof(kws) / sizeof(kws[0]);
        int fac_bad = 0, sev_bad = 0;
        for (size_t round = 0; round < 3; round++)
            for (size_t j = 0; j < n; j++) {
                const char *kw = kws[(j * (round + 1) * 7) % n];
                char line[256];
                snprintf(line, sizeof(line), "{\"facility\":\"%s\",\"severity\":\"%s\",\"msg\":\"m\",\"fields\":{}}",
                         kw, kw);
                parse(&in, &e, line);
                const char *fname = aura_facility_name(aura_facility_from_name(kw));
                const char *sname = aura_severity_name(aura_severity_from_name(kw));
                const char *fgot = field(&e, "facility") ? fval(&e, "facility") : NULL;
                fac_bad += fname ? !fgot || strcmp(fgot, fname) != 0 : fgot != NULL;
                const char *sgot = field(&e, "severity") ? fval(&e, "severity") : NULL;
                sev_bad += sname ? !sgot || strcmp(sgot, sname) != 0 : sgot != NULL;
                sev_bad += e.level != aura_level_from_severity(aura_severity_from_name(kw));
            }
        CHECK_INT(fac_bad, 0, "facility keywords read as level.c reads them, in any order");
        CHECK_INT(sev_bad, 0, "severity keywords and digits read as level.c reads them, in any order");
    }

    aura_entry_free(&e);
    omp_input_free(&in);
    return tap_done();
}
