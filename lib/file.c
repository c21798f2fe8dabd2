#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int aura_write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int aura_file_dir_of(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    int n;
    if (!slash)
        n = snprintf(dir, size, ".");
    else if (slash == path)
        n = snprintf(dir, size, "/");
    else
        n = snprintf(dir, size, "%.*s", (int)(slash - path), path);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int fsync_dir_of(const char *path) {
    char dir[PATH_MAX];
    int dfd, r;

    if (aura_file_dir_of(path, dir, sizeof(dir)) < 0)
        return -ENAMETOOLONG;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    r = fsync(dfd) < 0 ? -errno : 0;
    close(dfd);
    return r;
}

/* "path.tmp.PID": never a name a reader of path picks up */
static int temp_name(const char *path, long pid, char *out, size_t size) {
    return (size_t)snprintf(out, size, "%s.tmp.%ld", path, pid) >= size ? -ENAMETOOLONG : 0;
}

int aura_file_replace(const char *path, const char *data, size_t n, bool sync) {
    char tmp[PATH_MAX];
    int fd, r;

    if (temp_name(path, (long)getpid(), tmp, sizeof(tmp)) < 0)
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    r = aura_write_all(fd, data, n);
    if (r == 0 && sync && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return sync ? fsync_dir_of(path) : 0;
}

int aura_file_replace_spare(const char *path, const char *data, size_t n, bool sync) {
    char tmp[PATH_MAX];
    int fd, r;

    if (temp_name(path, (long)getpid(), tmp, sizeof(tmp)) < 0)
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    r = aura_write_all(fd, data, n); /* from offset 0: a new open file description */
    if (r == 0 && ftruncate(fd, (off_t)n) < 0)
        r = -errno;
    if (r == 0 && sync && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
        /* no old file to exchange with, or no exchange here: a plain rename */
        if (rename(tmp, path) < 0) {
            r = -errno;
            unlink(tmp);
            return r;
        }
    }
    return sync ? fsync_dir_of(path) : 0;
}

void aura_file_spare_remove(const char *path) {
    char tmp[PATH_MAX];
    if (path && temp_name(path, (long)getpid(), tmp, sizeof(tmp)) == 0)
        (void)unlink(tmp);
}

void aura_file_spare_sweep(const char *path) {
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    struct dirent *d;
    DIR *dp;

    if (aura_file_dir_of(path, dir, sizeof(dir)) < 0 || !(dp = opendir(dir)))
        return;
    while ((d = readdir(dp))) {
        const char *s = d->d_name;
        char *end;
        long pid;
        if (strncmp(s, base, blen) != 0 || strncmp(s + blen, ".tmp.", 5) != 0 || !s[blen + 5])
            continue;
        errno = 0;
        pid = strtol(s + blen + 5, &end, 10);
        if (errno || *end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its writer may still be there */
        if (temp_name(path, pid, tmp, sizeof(tmp)) == 0)
            (void)unlink(tmp);
    }
    closedir(dp);
}

int aura_file_sync(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC), r;
    if (fd < 0)
        return -errno;
    r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r == 0 ? fsync_dir_of(path) : r;
}
