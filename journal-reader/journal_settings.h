/* journal_settings.h - what auralog-journald is told: its [journal] section
 * of the shared configuration file (registered with the core's table, see
 * lib/settings.h) and its command-line options, which override it.
 *
 *   [journal]
 *   state_file = /var/lib/auralog/journal.cursor
 *   start = tail          ; head | tail | boot, used when there is no state
 *   namespace =           ; or directory =, or --file on the command line
 *   directory =
 *   units =               ; _SYSTEMD_UNIT matches
 *   identifiers =         ; SYSLOG_IDENTIFIER matches
 *   min_priority = debug  ; keyword or number
 *   fields =              ; extra fields, or *
 *   errors_ahead = true   ; errors overtake a backlog */
#pragma once
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "settings.h"

/* Where to begin when there is no saved cursor. */
enum jr_start { JR_START_TAIL, JR_START_HEAD, JR_START_BOOT };

/* "head", "tail", "boot" */
const char *jr_start_name(enum jr_start start);

struct jr_fields {
    char **names; /* NULL-terminated extra fields as written (e.g. "_SYSTEMD_SLICE"), NULL when empty */
    bool all;     /* fields = * */
};

struct jr_settings {
    char *state_file;        /* "/var/lib/auralog/journal.cursor" */
    int start;               /* enum jr_start, tail */
    char *journal_namespace; /* NULL when empty */
    char *directory;         /* NULL when empty */
    char **units;            /* NULL-terminated, NULL when empty */
    char **identifiers;      /* NULL-terminated, NULL when empty */
    int min_priority;        /* 7 = debug: everything */
    struct jr_fields fields;
    bool errors_ahead;       /* true: PRIORITY 0..3 overtake a backlog (SPEC §11) */
};

extern const struct aura_settings_table jr_settings_table;

/* The [journal] values of cfg (jr_settings_table registered before cfg was made). */
struct jr_settings *jr_settings_of(const struct aura_settings *cfg);

/* ---- command line --------------------------------------------------------- */

struct jr_cli {
    bool once;
    char *directory, *journal_namespace, *state_file;
    char **files; /* NULL-terminated, NULL when none */
    size_t n_files;
    int start; /* enum jr_start, -1: from the configuration */
    double timeout; /* --timeout: seconds --once may take, 0: no limit */
};

#define JR_CLI_INIT {.start = -1}

/* getopt_long options (values >= 256), {0}-terminated, and their --help lines. */
extern const struct option jr_cli_options[];
extern const char jr_cli_help[];

/* One option from jr_cli_options: 0, or -EINVAL with why in err (one line,
 * e.g. --start: must be head, tail or boot, got "middle"). */
int jr_cli_parse(struct jr_cli *cli, int opt, const char *arg, char *err, size_t errlen);

/* Apply the command line to cfg's [journal] values; checks what only the two
 * together tell (one journal source).  0, or -EINVAL with one line in err. */
int jr_cli_apply(const struct jr_cli *cli, struct aura_settings *cfg, char *err, size_t errlen);

void jr_cli_free(struct jr_cli *cli);
