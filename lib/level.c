#include "level.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "number.h"

static const char *const level_names[] = {
    [AURA_LEVEL_DEBUG] = "debug", [AURA_LEVEL_INFO] = "info",   [AURA_LEVEL_WARN] = "warn",
    [AURA_LEVEL_ERROR] = "error", [AURA_LEVEL_FATAL] = "fatal",
};

static const char *const severity_names[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

/* Facility keywords as rsyslog's syslogfacility-text prints them, so that the
 * journal reader and omauralog write the same value for the same facility
 * (SPEC §4).  12..15 have no keyword in <syslog.h>; rsyslog calls them ntp,
 * audit, alert and clock. */
static const char *const facility_names[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

/* Other spellings accepted on input, NULL-terminated. */
struct alias {
    const char *name;
    int value;
};
static const struct alias severity_aliases[] = {
    {"panic", 0}, {"emergency", 0}, {"critical", 2}, {"error", 3}, {"warn", 4}, {NULL, 0},
};
static const struct alias facility_aliases[] = {
    {"security", 13}, {"console", 14}, {"solaris-cron", 15}, {"cron2", 15}, {NULL, 0},
};

enum aura_level aura_level_from_severity(int severity) {
    switch (severity) {
    case 0:
    case 1:
    case 2:
        return AURA_LEVEL_FATAL;
    case 3:
        return AURA_LEVEL_ERROR;
    case 4:
        return AURA_LEVEL_WARN;
    case 7:
        return AURA_LEVEL_DEBUG;
    default: /* 5 notice, 6 info, missing or invalid */
        return AURA_LEVEL_INFO;
    }
}

const char *aura_level_name(enum aura_level level) {
    if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
        return "info";
    return level_names[level];
}

const char *aura_severity_name(int severity) {
    return severity >= 0 && severity < 8 ? severity_names[severity] : NULL;
}

/* Decimal number 0..max from all of s[0..len) (at most 3 digits), else -1. */
static int parse_small(const char *s, size_t len, int max) {
    uint64_t v;
    if (aura_parse_digits(s, len, 3, &v) < 0 || v > (uint64_t)max)
        return -1;
    return (int)v;
}

int aura_severity_parse(const char *s, size_t len) {
    return parse_small(s, len, 7);
}

/* A code 0..n-1 given as a number, one of names[] or an alias (any case); -1 otherwise. */
static int code_from_name(const char *s, const char *const *names, int n, const struct alias *aliases) {
    if (!s)
        return -1;
    int v = parse_small(s, strlen(s), n - 1);
    if (v >= 0)
        return v;
    int c = tolower((unsigned char)s[0]); /* the names are lower case: most differ in the first letter */
    for (int i = 0; i < n; i++)
        if (names[i][0] == c && strcasecmp(s, names[i]) == 0)
            return i;
    for (const struct alias *a = aliases; a->name; a++)
        if (a->name[0] == c && strcasecmp(s, a->name) == 0)
            return a->value;
    return -1;
}

int aura_severity_from_name(const char *s) {
    return code_from_name(s, severity_names, 8, severity_aliases);
}

const char *aura_facility_name(int facility) {
    return facility >= 0 && facility < 24 ? facility_names[facility] : NULL;
}

int aura_facility_from_name(const char *s) {
    return code_from_name(s, facility_names, 24, facility_aliases);
}
