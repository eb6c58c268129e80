/* impl_probe.c - a testing implementation that shows whether runs share a
 * process.  It is malloc, plus a counter of the pools opened in this
 * process, reported as its peak_in_use: bufpool-bench runs every run in a
 * process of its own, so the tests expect 1 in every run.  It also leaves
 * behind what a real allocator would (glibc's dynamic mmap threshold moves
 * after the first free of a 1 MiB block), which is how one implementation
 * used to change the figures of the next.
 *
 * With BUFPOOL_BENCH_PROBE_SLOW_ONCE=FILE, the run that creates FILE (the
 * first) writes its pid into it and sleeps 1 ms in every get: a first run
 * that is an outlier, for the tests of the warnings, and a process the
 * tests can kill.  Selectable only with BUFPOOL_BENCH_TESTING=1
 * in the environment. */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t opened;          /* pools opened in this process */

typedef struct probe_ctx {
    size_t size;
    bool   slow;
} probe_ctx;

static int probe_open(const bench_config *cfg, void **ctxp)
{
    probe_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->size = cfg->size;
    opened++;
    const char *once = getenv("BUFPOOL_BENCH_PROBE_SLOW_ONCE");
    int fd = once ? open(once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        char pid[32];
        int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        c->slow = true;
        if (write(fd, pid, (size_t)n) != n) {
            /* the tests that read it then fail */
        }
        close(fd);
    }
    void *big = malloc(1 << 20);
    if (big)
        memset(big, 1, 1);
    free(big);
    *ctxp = c;
    return 0;
}

static int probe_get(void *ctx, bench_item *it)
{
    probe_ctx *c = ctx;
    if (c->slow)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    void *p = malloc(c->size);
    if (!p)
        return -ENOMEM;
    it->handle = it->data = p;
    return 0;
}

static void probe_release(void *ctx, bench_item *it)
{
    (void)ctx;
    free(it->handle);
}

static void probe_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    (void)ctx;
    out->allocs = (int64_t)gets;
    out->reuses = 0;
    out->peak_in_use = opened;
    out->in_use = out->idle = -1;
}

static void probe_close(void *ctx)
{
    free(ctx);
}

const impl_ops impl_probe = {
    .name = "probe",
    .describe = "testing only: malloc, counting the runs made in its process",
    .open = probe_open,
    .get = probe_get,
    .release = probe_release,
    .stats = probe_stats,
    .close = probe_close,
};
