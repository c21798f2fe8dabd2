#include "level.h"

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

/* Other spellings accepted on input. */
static const struct {
    const char *name;
    int value;
} severity_aliases[] = {
    {"panic", 0}, {"emergency", 0}, {"critical", 2}, {"error", 3}, {"warn", 4},
}, facility_aliases[] = {
    {"security", 13}, {"console", 14}, {"solaris-cron", 15}, {"cron2", 15},
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

int aura_severity_from_name(const char *s) {
    if (!s)
        return -1;
    int v = parse_small(s, strlen(s), 7);
    if (v >= 0)
        return v;
    for (int i = 0; i < 8; i++)
        if (strcasecmp(s, severity_names[i]) == 0)
            return i;
    for (size_t i = 0; i < sizeof(severity_aliases) / sizeof(severity_aliases[0]); i++)
        if (strcasecmp(s, severity_aliases[i].name) == 0)
            return severity_aliases[i].value;
    return -1;
}

const char *aura_facility_name(int facility) {
    return facility >= 0 && facility < 24 ? facility_names[facility] : NULL;
}

int aura_facility_from_name(const char *s) {
    if (!s)
        return -1;
    int v = parse_small(s, strlen(s), 23);
    if (v >= 0)
        return v;
    for (int i = 0; i < 24; i++)
        if (strcasecmp(s, facility_names[i]) == 0)
            return i;
    for (size_t i = 0; i < sizeof(facility_aliases) / sizeof(facility_aliases[0]); i++)
        if (strcasecmp(s, facility_aliases[i].name) == 0)
            return facility_aliases[i].value;
    return -1;
}
