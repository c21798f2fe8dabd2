/* host.h - host metadata (SPEC §4): hostname, machine_id, boot_id, os, kernel.
 * Read once and cached.  A source that cannot be read leaves its key out
 * (NULL) and warns once; it never fails. */
#pragma once
#include <stdbool.h>

struct aura_host {
    char *hostname;   /* gethostname() */
    char *machine_id; /* /etc/machine-id */
    char *boot_id;    /* /proc/sys/kernel/random/boot_id, without dashes as journald prints it */
    char *os;         /* PRETTY_NAME of /etc/os-release, else /usr/lib/os-release */
    char *kernel;     /* uname release */
};

/* root: prefix for the files read ("" or NULL for /); tests point it at a fixture tree. */
struct aura_host *aura_host_new(const char *root);
void aura_host_free(struct aura_host *h);
/* Cheap check of the hostname (uname); re-reads it when it changed.
 * Returns true when something changed. */
bool aura_host_refresh(struct aura_host *h);
