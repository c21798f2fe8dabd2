/* test_state - the cursor state file: atomic write, read back, bad content. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "tap.h"

static char dir[256];

static void put(const char *path, const char *content) {
    FILE *f = fopen(path, "w");
    fputs(content, f);
    fclose(f);
}

static int count_entries(void) {
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int main(void) {
    char path[512], bad[512], *c = NULL;
    const char *cursor = "s=abc;i=1f;b=0123;m=10;t=5f00;x=99";
    static const struct {
        const char *content;
        int want;
        const char *cursor;
    } reads[] = {
        {"LAST_CURSOR=s=1;i=2\n", 0, "s=1;i=2"},
        {"LAST_CURSOR=s=1;i=2", 0, "s=1;i=2"},
        {"s=1;i=2\n", 0, "s=1;i=2"}, /* a bare cursor, as a user might write it */
        {"", -EINVAL, NULL},
        {"LAST_CURSOR=\n", -EINVAL, NULL},
        {"LAST_CURSOR=a\nb\n", -EINVAL, NULL},
    };

    snprintf(dir, sizeof(dir), "/tmp/test_state.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/journal.cursor", dir);

    CHECK_INT(jr_state_read(path, &c), -ENOENT, "no state file: -ENOENT");
    CHECK_INT(jr_state_check_dir(path), 0, "directory is writable");
    CHECK_INT(jr_state_write(path, cursor), 0, "write");
    CHECK_INT(jr_state_read(path, &c), 0, "read back");
    CHECK_STR(c, cursor, "cursor round-trips");
    free(c);
    c = NULL;
    CHECK_INT(jr_state_write(path, "s=abc;i=20"), 0, "overwrite");
    CHECK_INT(jr_state_read(path, &c), 0, "read back after overwrite");
    CHECK_STR(c, "s=abc;i=20", "newest cursor wins");
    free(c);
    c = NULL;
    /* after every acknowledgement: write + rename, fsync later */
    CHECK_INT(jr_state_write_fast(path, "s=abc;i=21"), 0, "fast write");
    CHECK_INT(jr_state_read(path, &c), 0, "read back after a fast write");
    CHECK_STR(c, "s=abc;i=21", "the fast write replaced the cursor");
    free(c);
    c = NULL;
    CHECK_INT(jr_state_sync(path), 0, "sync after the fast write");
    CHECK_INT(jr_state_write_fast(path, "a\nb"), -EINVAL, "fast write refuses a cursor with a newline too");
    {
        /* the temp file is kept as a spare (exchanged with the state file,
         * not renamed over it: ext4's auto_da_alloc made that 110 us) */
        char spare[600];
        struct stat st;
        snprintf(spare, sizeof(spare), "%s.tmp.%ld", path, (long)getpid());
        CHECK_INT(count_entries(), 2, "the state file and this process's spare");
        CHECK(stat(spare, &st) == 0, "the spare is named FILE.tmp.PID");
        jr_state_close(path);
        CHECK_INT(count_entries(), 1, "no temp file left behind after jr_state_close");
        CHECK_INT(jr_state_write_fast(path, "s=abc;i=21"), 0, "write again after the spare was removed");
        jr_state_close(path);
        CHECK_INT(count_entries(), 1, "still no temp file left behind");
    }
    {
        /* a killed writer's spare is removed at the next start; a live one's and other files are not */
        char dead_spare[600], live_spare[600], other[600];
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
        snprintf(dead_spare, sizeof(dead_spare), "%s.tmp.%ld", path, (long)pid);
        snprintf(live_spare, sizeof(live_spare), "%s.tmp.1", path);
        snprintf(other, sizeof(other), "%s/other.cursor.tmp.%ld", dir, (long)pid);
        put(dead_spare, "LAST_CURSOR=old\n");
        put(live_spare, "LAST_CURSOR=old\n");
        put(other, "x");
        CHECK_INT(jr_state_check_dir(path), 0, "check_dir with spares around");
        CHECK(access(dead_spare, F_OK) < 0, "the spare of a process that is gone is removed");
        CHECK(access(live_spare, F_OK) == 0, "the spare of a live process is kept");
        CHECK(access(other, F_OK) == 0, "another state file's spare is not touched");
        CHECK_INT(jr_state_read(path, &c), 0, "the state file is intact");
        CHECK_STR(c, "s=abc;i=21", "and holds the last cursor");
        free(c);
        c = NULL;
        unlink(live_spare);
        unlink(other);
    }
    {
        char buf[128] = "";
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(buf, sizeof(buf), f))
                buf[0] = '\0';
            fclose(f);
        }
        CHECK_STR(buf, "LAST_CURSOR=s=abc;i=21\n", "file format is LAST_CURSOR=... (the fast write too)");
    }
    CHECK_INT(jr_state_write(path, "a\nb"), -EINVAL, "a cursor with a newline is refused");

    snprintf(bad, sizeof(bad), "%s/bad.cursor", dir);
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        put(bad, reads[i].content);
        c = NULL;
        int r = jr_state_read(bad, &c);
        CHECK_INT(r, reads[i].want, "read case %zu: result", i);
        if (reads[i].cursor)
            CHECK_STR(c, reads[i].cursor, "read case %zu: cursor", i);
        free(c);
    }
    unlink(bad);

    snprintf(bad, sizeof(bad), "%s/missing/journal.cursor", dir);
    CHECK(jr_state_check_dir(bad) < 0, "missing directory is reported");
    CHECK(jr_state_write(bad, cursor) < 0, "write into a missing directory fails");

    unlink(path);
    rmdir(dir);
    return tap_done();
}
