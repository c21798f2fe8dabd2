/* content.h - levels and fields found in the message itself (SPEC §11,
 * "Levels from the message").
 *
 * Services that log to stdout/stderr get PRIORITY 6 from journald whatever
 * they wrote; their level is in the text.  aura_content_apply() looks at an
 * entry's message once, first match wins:
 *   1. a JSON object        -> level, message, traceId, stackTrace, metadata
 *   2. logfmt with level=   -> the same keys
 *   3. klog/glog header     -> I/W/E/F, message = text after "] "
 *   4. a level word at the very start ("ERROR:root:..", "[warn] ..", "INFO x")
 * The level is changed only where the source severity is missing, notice or
 * info; fields (message, traceId, stackTrace, metadata) are taken from JSON
 * and logfmt whatever the severity.  The entry gets metadata level_from
 * ("json" "logfmt" "klog" "prefix") when its level came from the content.
 * Keys from the message go after the entry's own fields, so the front end's
 * keys (SPEC §4) win on collision.
 *
 * A plain line costs a few byte comparisons and allocates nothing.  JSON
 * lines are parsed with json-c into a tree the context keeps; logfmt values
 * are copied into a context buffer.  Either way the entry borrows from the
 * context until the next aura_content_apply() or aura_content_free(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct aura_entry;
struct aura_settings;
struct json_object;
struct json_tokener;

/* [content] (SPEC §11), registered by aura_app_main for both programs */
struct aura_content_settings {
    bool levels;              /* true */
    bool structured;          /* true */
    bool stack_traces;        /* true */
    double multiline_timeout; /* 1.0 s */
    size_t max_stack_lines;   /* 1000 */
};
extern const struct aura_settings_table aura_content_settings_table;
/* cfg's [content]; the built-in defaults when cfg was loaded before the
 * table was registered (never NULL) */
const struct aura_content_settings *aura_content_settings_of(const struct aura_settings *cfg);

enum aura_level_from {
    AURA_FROM_NONE,
    AURA_FROM_JSON,
    AURA_FROM_LOGFMT,
    AURA_FROM_KLOG,
    AURA_FROM_PREFIX,
    AURA_FROM_STACK_TRACE,
};

/* "json" "logfmt" "klog" "prefix" "stack_trace"; NULL for AURA_FROM_NONE */
const char *aura_level_from_name(enum aura_level_from from);

struct aura_content {
    bool levels;     /* [content] levels */
    bool structured; /* [content] structured */
    /* reused per entry */
    struct json_tokener *tok;
    struct json_object *root; /* the last JSON message's tree */
    struct aura_buf arena;    /* logfmt keys and unescaped values */
};

/* levels and structured on */
void aura_content_init(struct aura_content *c);
void aura_content_free(struct aura_content *c);

/* Look at e->message and change e as described above.  severity is the
 * source's syslog severity (0-7, -1 when missing).  Returns what the level
 * came from (AURA_FROM_NONE: level untouched). */
enum aura_level_from aura_content_apply(struct aura_content *c, struct aura_entry *e, int severity);

/* Level word ("ERROR", "warning", "Crit", ...; any case) of len bytes ->
 * level; -1 when it is not one of SPEC §11's words. */
int aura_content_level_word(const char *s, size_t len);
