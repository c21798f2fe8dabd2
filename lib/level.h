/* level.h - syslog severity/facility keywords and the Auralog level (SPEC §3). */
#pragma once
#include <stddef.h>

enum aura_level {
    AURA_LEVEL_DEBUG,
    AURA_LEVEL_INFO,
    AURA_LEVEL_WARN,
    AURA_LEVEL_ERROR,
    AURA_LEVEL_FATAL,
};

/* 0 emerg .. 7 debug; anything else (missing/invalid) -> info. */
enum aura_level aura_level_from_severity(int severity);
/* "debug" "info" "warn" "error" "fatal" */
const char *aura_level_name(enum aura_level level);
/* error and fatal go out through the urgent lane */
static inline int aura_level_is_urgent(enum aura_level level) {
    return level >= AURA_LEVEL_ERROR;
}

/* "emerg" "alert" "crit" "err" "warning" "notice" "info" "debug"; NULL when out of range. */
const char *aura_severity_name(int severity);
/* Keyword (also the common aliases panic, error, warn), or a number 0-7.
 * Returns the severity, or -1 when not recognised. */
int aura_severity_from_name(const char *s);
/* Severity from a decimal string of length len ("3"); -1 when not 0-7. */
int aura_severity_parse(const char *s, size_t len);

/* "kern" "user" ... "local7" (0..23); NULL when out of range. */
const char *aura_facility_name(int facility);
/* keyword or number; -1 when not recognised */
int aura_facility_from_name(const char *s);
