/* outfile.h - a report file written under a temporary name and renamed
 * over the real one only when it is complete. */
#ifndef BUFPOOL_BENCH_OUTFILE_H
#define BUFPOOL_BENCH_OUTFILE_H

#include <stdio.h>

typedef struct outfile {
    const char *path;   /* as given, for messages */
    char *target;       /* renamed over at the end (the file a symlink names) */
    char *tmp;          /* the temporary file; NULL when writing in place */
    FILE *f;            /* where to write */
} outfile;

/* Creates ".NAME.XXXXXX" beside path (mode: that of the file it replaces,
 * else 0666 less the umask).  A path that exists and is not a regular file
 * (/dev/null, /dev/stdout, a FIFO) is written in place instead.
 * Returns 0 or a negative errno; o->f is then open. */
int outfile_open(outfile *o, const char *path);

/* Flushes and closes the file, then renames it over the target.
 * Returns 0 or a negative errno (the temporary file is then removed). */
int outfile_commit(outfile *o);

/* Closes and removes the temporary file; the target is left as it was. */
void outfile_discard(outfile *o);

#endif
