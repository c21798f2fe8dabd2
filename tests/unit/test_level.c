/* test_level - syslog severity/facility keywords and Auralog levels (SPEC §3). */
#include "level.h"
#include "tap.h"

/* for messages: CHECK_STR tests want for NULL, and gcc then sees a NULL %s */
#define S(x) ((x) ? (x) : "(null)")

static void test_severity_to_level(void) {
    static const struct {
        int severity;
        const char *level;
        const char *keyword;
    } t[] = {
        {0, "fatal", "emerg"}, {1, "fatal", "alert"},  {2, "fatal", "crit"},  {3, "error", "err"},
        {4, "warn", "warning"}, {5, "info", "notice"}, {6, "info", "info"},   {7, "debug", "debug"},
        {-1, "info", NULL},     {8, "info", NULL},     {99, "info", NULL},    {-100, "info", NULL},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        CHECK_STR(aura_level_name(aura_level_from_severity(t[i].severity)), t[i].level, "severity %d -> level %s",
                  t[i].severity, S(t[i].level));
        CHECK_STR(aura_severity_name(t[i].severity), t[i].keyword, "severity %d -> keyword %s", t[i].severity,
                  t[i].keyword ? t[i].keyword : "(none)");
    }
    CHECK(aura_level_is_urgent(AURA_LEVEL_ERROR) && aura_level_is_urgent(AURA_LEVEL_FATAL), "error, fatal urgent");
    CHECK(!aura_level_is_urgent(AURA_LEVEL_WARN) && !aura_level_is_urgent(AURA_LEVEL_INFO) &&
              !aura_level_is_urgent(AURA_LEVEL_DEBUG),
          "debug, info, warn not urgent");
    CHECK_STR(aura_level_name((enum aura_level)42), "info", "out-of-range level prints info");
}

static void test_severity_names(void) {
    static const struct {
        const char *in;
        int want;
    } t[] = {
        {"emerg", 0},  {"alert", 1},   {"crit", 2},  {"err", 3},      {"warning", 4}, {"notice", 5},
        {"info", 6},   {"debug", 7},   {"panic", 0}, {"error", 3},    {"warn", 4},    {"ERR", 3},
        {"Warning", 4}, {"0", 0},      {"3", 3},     {"7", 7},        {"8", -1},      {"-1", -1},
        {"", -1},      {"informational", -1}, {"3x", -1}, {" 3", -1}, {"errr", -1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_INT(aura_severity_from_name(t[i].in), t[i].want, "severity_from_name(\"%s\")", t[i].in);
    CHECK_INT(aura_severity_from_name(NULL), -1, "severity_from_name(NULL)");
    for (int i = 0; i < 8; i++)
        CHECK_INT(aura_severity_from_name(aura_severity_name(i)), i, "severity %d keyword round trip", i);

    static const struct {
        const char *s;
        size_t len;
        int want;
    } p[] = {
        {"0", 1, 0}, {"7", 1, 7}, {"3abc", 1, 3}, {"8", 1, -1}, {"", 0, -1}, {"x", 1, -1}, {"12", 2, -1},
        {"-3", 2, -1},
    };
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
        CHECK_INT(aura_severity_parse(p[i].s, p[i].len), p[i].want, "severity_parse(\"%.*s\")", (int)p[i].len,
                  p[i].s);
    CHECK_INT(aura_severity_parse(NULL, 0), -1, "severity_parse(NULL)");
}

static void test_facilities(void) {
    static const char *const names[24] = {
        "kern", "user", "mail",   "daemon", "auth",   "syslog", "lpr",    "news",   "uucp",   "cron",   "authpriv", "ftp",
        "ntp",  "audit", "alert", "clock",  "local0", "local1", "local2", "local3", "local4", "local5", "local6",   "local7",
    };
    for (int i = 0; i < 24; i++) {
        CHECK_STR(aura_facility_name(i), names[i], "facility %d -> %s", i, S(names[i]));
        CHECK_INT(aura_facility_from_name(names[i]), i, "%s -> facility %d", names[i], i);
        char num[4];
        snprintf(num, sizeof(num), "%d", i);
        CHECK_INT(aura_facility_from_name(num), i, "\"%s\" -> facility %d", num, i);
    }
    static const struct {
        const char *in;
        int want;
    } t[] = {
        {"security", 13}, {"console", 14}, {"solaris-cron", 15}, {"LOCAL7", 7 + 16}, {"Daemon", 3},
        {"24", -1},       {"local8", -1},  {"", -1},             {"-1", -1},         {"kernel", -1},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_INT(aura_facility_from_name(t[i].in), t[i].want, "facility_from_name(\"%s\")", t[i].in);
    CHECK(aura_facility_name(-1) == NULL && aura_facility_name(24) == NULL, "facility out of range -> NULL");
    CHECK_INT(aura_facility_from_name(NULL), -1, "facility_from_name(NULL)");
}

int main(void) {
    test_severity_to_level();
    test_severity_names();
    test_facilities();
    return tap_done();
}
