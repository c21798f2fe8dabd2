/* journal_settings.c - the [journal] section and auralog-journald's command
 * line (journal_settings.h). */
#include "journal_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "level.h"
#include "log.h"

/* The start modes, as the file, the command line and the messages write them. */
static const struct aura_setting_name start_names[] = {
    {"head", JR_START_HEAD},
    {"tail", JR_START_TAIL},
    {"boot", JR_START_BOOT},
    {NULL, 0},
};

const char *jr_start_name(enum jr_start start) {
    const char *name = aura_setting_enum_name(start_names, (int)start);
    return name ? name : "tail";
}

/* ---- min_priority: a syslog severity keyword or 0-7 ----------------------- */

static int parse_priority(const char *v, void *slot, char *why, size_t whylen) {
    int prio = aura_severity_from_name(v);
    if (prio < 0 || prio > 7) {
        snprintf(why, whylen, "must be a syslog severity (emerg ... debug) or 0-7, got \"%s\"", v);
        return -EINVAL;
    }
    *(int *)slot = prio;
    return 0;
}

static void print_priority(FILE *f, const char *key, const void *slot) {
    const char *name = aura_severity_name(*(const int *)slot);
    fprintf(f, "%s = %s\n", key, name ? name : "debug");
}

/* ---- fields: journal field names, or "*" alone ---------------------------- */

static void free_names(char **l) {
    for (char **s = l; s && *s; s++)
        free(*s);
    free(l);
}

/* A journal field name as journald accepts it: A-Z, 0-9, _, not starting with a digit. */
static bool valid_field_name(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 64)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s);
}

static int parse_fields(const char *v, void *slot, char *why, size_t whylen) {
    struct jr_fields *fields = slot;
    char **l = NULL;
    size_t n = 0;
    bool all = false;
    for (const char *s = v + strspn(v, " \t"); *s; s += strspn(s, " \t")) {
        size_t len = strcspn(s, " \t");
        l = aura_realloc(l, (n + 2) * sizeof(*l));
        l[n++] = aura_strndup(s, len);
        l[n] = NULL;
        s += len;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i], "*") == 0 && n == 1) {
            all = true;
            continue;
        }
        if (!valid_field_name(l[i])) {
            if (strcmp(l[i], "*") == 0)
                snprintf(why, whylen, "\"*\" must stand alone, got \"%s\"", v);
            else
                snprintf(why, whylen, "\"%s\" is not a journal field name (A-Z, 0-9 and _), got \"%s\"", l[i], v);
            free_names(l);
            return -EINVAL;
        }
    }
    free_names(fields->names);
    fields->names = all ? NULL : l;
    if (all)
        free_names(l);
    fields->all = all;
    return 0;
}

static void print_fields(FILE *f, const char *key, const void *slot) {
    const struct jr_fields *fields = slot;
    if (fields->all)
        fprintf(f, "%s = *\n", key);
    else
        aura_settings_print_list(f, key, fields->names);
}

static void release_fields(void *slot) {
    struct jr_fields *fields = slot;
    free_names(fields->names);
    fields->names = NULL;
    fields->all = false;
}

/* ---- the table ------------------------------------------------------------ */

#define OFF(member) offsetof(struct jr_settings, member)

static const struct aura_setting rows[] = {
    AURA_SETTING_ROW("journal", "state_file", AURA_SETTING_STRING, OFF(state_file), "/var/lib/auralog/journal.cursor"),
    AURA_SETTING_ROW("journal", "start", AURA_SETTING_ENUM, OFF(start), "tail", .names = start_names),
    AURA_SETTING_ROW("journal", "namespace", AURA_SETTING_STRING_OPT, OFF(journal_namespace), ""),
    AURA_SETTING_ROW("journal", "directory", AURA_SETTING_STRING_OPT, OFF(directory), ""),
    AURA_SETTING_ROW("journal", "units", AURA_SETTING_LIST, OFF(units), ""),
    AURA_SETTING_ROW("journal", "identifiers", AURA_SETTING_LIST, OFF(identifiers), ""),
    AURA_SETTING_ROW("journal", "min_priority", AURA_SETTING_CUSTOM, OFF(min_priority), "debug",
                     .parse = parse_priority, .print = print_priority),
    AURA_SETTING_ROW("journal", "fields", AURA_SETTING_CUSTOM, OFF(fields), "", .parse = parse_fields,
                     .print = print_fields, .release = release_fields),
    AURA_SETTING_ROW("journal", "errors_ahead", AURA_SETTING_BOOL, OFF(errors_ahead), "true"),
};

const struct aura_settings_table jr_settings_table = {rows, sizeof(rows) / sizeof(rows[0]),
                                                      sizeof(struct jr_settings), NULL};

struct jr_settings *jr_settings_of(const struct aura_settings *cfg) {
    return aura_settings_values(cfg, &jr_settings_table);
}

/* ---- command line --------------------------------------------------------- */

enum { OPT_ONCE = 256, OPT_DIRECTORY, OPT_FILE, OPT_NAMESPACE, OPT_STATE_FILE, OPT_START, OPT_TIMEOUT };

const struct option jr_cli_options[] = {
    {"once", no_argument, NULL, OPT_ONCE},
    {"directory", required_argument, NULL, OPT_DIRECTORY},
    {"file", required_argument, NULL, OPT_FILE},
    {"namespace", required_argument, NULL, OPT_NAMESPACE},
    {"state-file", required_argument, NULL, OPT_STATE_FILE},
    {"start", required_argument, NULL, OPT_START},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {0},
};

const char jr_cli_help[] =
    "      --once          forward up to the current end of the journal, wait for delivery, exit\n"
    "                      (0 when everything read was acknowledged, else 1)\n"
    "      --timeout SECONDS\n"
    "                      with --once: stop after SECONDS, saving what was acknowledged\n"
    "                      (exit 1 when that was not everything)\n"
    "      --directory DIR read the journal files in DIR\n"
    "      --file FILE     read this journal file (repeatable)\n"
    "      --namespace NS  read the journal namespace NS\n"
    "      --state-file FILE\n"
    "                      cursor state file (default: [journal] state_file)\n"
    "      --start MODE    head, tail or boot: where to begin when there is no state\n";

static void replace(char **slot, const char *value) {
    free(*slot);
    *slot = value ? aura_strdup(value) : NULL;
}

int jr_cli_parse(struct jr_cli *cli, int opt, const char *arg, char *err, size_t errlen) {
    switch (opt) {
    case OPT_ONCE:
        cli->once = true;
        return 0;
    case OPT_DIRECTORY:
        replace(&cli->directory, arg);
        return 0;
    case OPT_FILE:
        cli->files = aura_realloc(cli->files, (cli->n_files + 2) * sizeof(char *));
        cli->files[cli->n_files++] = aura_strdup(arg);
        cli->files[cli->n_files] = NULL;
        return 0;
    case OPT_NAMESPACE:
        replace(&cli->journal_namespace, arg);
        return 0;
    case OPT_STATE_FILE:
        replace(&cli->state_file, arg);
        return 0;
    case OPT_START:
        cli->start = aura_setting_enum_value(start_names, arg);
        if (cli->start < 0) {
            snprintf(err, errlen, "--start: must be head, tail or boot, got \"%.100s\"", arg);
            return -EINVAL;
        }
        return 0;
    case OPT_TIMEOUT: {
        char *end;
        errno = 0;
        cli->timeout = strtod(arg, &end);
        if (errno || end == arg || *end || !(cli->timeout > 0) || cli->timeout > 31536000.0) {
            snprintf(err, errlen, "--timeout: must be a number of seconds > 0, got \"%.100s\"", arg);
            return -EINVAL;
        }
        return 0;
    }
    default:
        return -EINVAL;
    }
}

int jr_cli_apply(const struct jr_cli *cli, struct aura_settings *cfg, char *err, size_t errlen) {
    struct jr_settings *js = jr_settings_of(cfg);
    int sources = !!cli->directory + !!cli->journal_namespace + (cli->n_files > 0);

    if (sources > 1) {
        snprintf(err, errlen, "--directory, --file and --namespace are mutually exclusive");
        return -EINVAL;
    }
    if (cli->timeout > 0 && !cli->once) {
        snprintf(err, errlen, "--timeout only applies to --once");
        return -EINVAL;
    }
    if (sources == 1) {
        replace(&js->directory, cli->directory);
        replace(&js->journal_namespace, cli->journal_namespace);
    } else if (js->directory && js->journal_namespace) {
        snprintf(err, errlen, "%s: [journal] namespace and directory are mutually exclusive",
                 cfg->path ? cfg->path : "configuration");
        return -EINVAL;
    }
    if (cli->state_file)
        replace(&js->state_file, cli->state_file);
    if (cli->start >= 0)
        js->start = cli->start;
    return 0;
}

void jr_cli_free(struct jr_cli *cli) {
    free(cli->directory);
    free(cli->journal_namespace);
    free(cli->state_file);
    free_names(cli->files);
    *cli = (struct jr_cli)JR_CLI_INIT;
}
