#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"

#define STATE_PREFIX "LAST_CURSOR="
#define STATE_MAX 4096

int jr_state_read(const char *path, char **ret) {
    char buf[STATE_MAX + 1];
    size_t len = 0;
    ssize_t n;
    const char *c;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    while (len < STATE_MAX && (n = read(fd, buf + len, STATE_MAX - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int r = -errno;
            close(fd);
            return r;
        }
        len += (size_t)n;
    }
    close(fd);
    if (len == STATE_MAX)
        return -EINVAL;
    buf[len] = '\0';
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    c = buf;
    if (strncmp(c, STATE_PREFIX, strlen(STATE_PREFIX)) == 0)
        c += strlen(STATE_PREFIX);
    if (*c == '\0' || strpbrk(c, "\n\r") || memchr(buf, '\0', len))
        return -EINVAL;
    *ret = aura_strdup(c);
    return 0;
}

static int state_write(const char *path, const char *cursor, bool sync) {
    char data[STATE_MAX];
    int n;

    if (strpbrk(cursor, "\n\r"))
        return -EINVAL;
    n = snprintf(data, sizeof(data), STATE_PREFIX "%s\n", cursor);
    if (n < 0 || (size_t)n >= sizeof(data))
        return -EINVAL;
    return aura_file_replace_spare(path, data, (size_t)n, sync);
}

int jr_state_write(const char *path, const char *cursor) {
    return state_write(path, cursor, true);
}

int jr_state_write_fast(const char *path, const char *cursor) {
    return state_write(path, cursor, false);
}

int jr_state_sync(const char *path) {
    return aura_file_sync(path);
}

int jr_state_check_dir(const char *path) {
    char dir[PATH_MAX];
    if (aura_file_dir_of(path, dir, sizeof(dir)) < 0)
        return -ENAMETOOLONG;
    if (access(dir, W_OK | X_OK) < 0)
        return -errno;
    aura_file_spare_sweep(path); /* a killed writer's spare */
    return 0;
}

void jr_state_close(const char *path) {
    aura_file_spare_remove(path);
}
