/* outfile.c - -o and --json: the report goes to a temporary file in the
 * same directory, renamed over the real one when it is complete, so that a
 * failed or killed run leaves the previous report intact instead of an
 * empty or half-written file (rename within a directory is atomic). */
#define _GNU_SOURCE 1
#include "config.h"

#include "outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t default_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

int outfile_open(outfile *o, const char *path)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->path = path;
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return -EISDIR;
        o->f = fopen(path, "w");
        return o->f ? 0 : -errno;
    }
    /* Through a symlink: replace the file it names, keep the link. */
    o->target = exists ? realpath(path, NULL) : strdup(path);
    if (!o->target)
        return -errno;
    const char *slash = strrchr(o->target, '/');
    size_t dirlen = slash ? (size_t)(slash - o->target) + 1 : 0;
    const char *base = o->target + dirlen;
    size_t n = dirlen + strlen(base) + 16;
    o->tmp = malloc(n);
    if (!o->tmp) {
        free(o->target);
        o->target = NULL;
        return -ENOMEM;
    }
    snprintf(o->tmp, n, "%.*s.%s.XXXXXX", (int)dirlen, o->target, base);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || fchmod(fd, exists ? (st.st_mode & 07777) : default_mode()) != 0 ||
        !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        free(o->target);
        o->tmp = o->target = NULL;
        return -e;
    }
    return 0;
}

int outfile_commit(outfile *o)
{
    int e = 0;
    if (!o->f)
        return 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && !e)
        e = errno;
    o->f = NULL;
    if (o->tmp) {
        if (!e && rename(o->tmp, o->target) != 0)
            e = errno;
        if (e)
            unlink(o->tmp);
        free(o->tmp);
        free(o->target);
        o->tmp = o->target = NULL;
    }
    return -e;
}

void outfile_discard(outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->target);
    o->tmp = o->target = NULL;
}
