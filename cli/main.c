/* main.c - bufpool-bench: runs every selected implementation --repeat
 * times on the identical workload and reports the median run of each.
 *
 * Runs are interleaved (bufpool, malloc, ffmpeg, bufpool, ...) rather than
 * grouped, so that a slow drift of the machine (frequency, other load)
 * spreads over all implementations instead of biasing one. */
#include "config.h"

#include "options.h"
#include "report.h"
#include "workload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Sorting indices by the runs' pairs/s (qsort has no context argument). */
static const run_result *sort_runs;
static int cmp_idx(const void *a, const void *b)
{
    double x = sort_runs[*(const int *)a].pairs_per_sec;
    double y = sort_runs[*(const int *)b].pairs_per_sec;
    return (x > y) - (x < y);
}

static void pick_median(impl_result *r)
{
    int *idx = malloc(sizeof *idx * (size_t)r->nruns);
    r->median = 0;
    r->min_pps = r->max_pps = r->runs[0].pairs_per_sec;
    if (!idx)
        return;
    for (int i = 0; i < r->nruns; i++)
        idx[i] = i;
    sort_runs = r->runs;
    qsort(idx, (size_t)r->nruns, sizeof *idx, cmp_idx);
    /* Even counts: the lower of the two middle runs (a run that happened). */
    r->median = idx[(r->nruns - 1) / 2];
    r->min_pps = r->runs[idx[0]].pairs_per_sec;
    r->max_pps = r->runs[idx[r->nruns - 1]].pairs_per_sec;
    free(idx);
}

int main(int argc, char **argv)
{
    static bench_config cfg;   /* large (the CPU list): not on the stack */
    progress pg = {0};
    pg.start_ns = now_ns();

    int st = options_parse(argc, argv, &cfg);
    if (st >= 0)
        return st;

    FILE *out = stdout;
    if (cfg.output) {
        out = fopen(cfg.output, "w");
        if (!out) {
            fprintf(stderr, "bufpool-bench: -o/--output: invalid value '%s': "
                    "cannot open for writing: %s\n", cfg.output, strerror(errno));
            return EXIT_USAGE;
        }
    }
    pg.enabled = !cfg.quiet && isatty(STDERR_FILENO) == 1;
    pg.runs = cfg.repeat;

    impl_result res[MAX_IMPLS];
    memset(res, 0, sizeof res);
    int status = EXIT_OK;
    char err[512] = "";
    for (int i = 0; i < cfg.nimpls; i++) {
        res[i].impl = cfg.impls[i];
        res[i].runs = calloc((size_t)cfg.repeat, sizeof *res[i].runs);
        if (!res[i].runs) {
            snprintf(err, sizeof err, "out of memory");
            status = EXIT_RUNTIME;
            goto done;
        }
    }
    for (int r = 0; r < cfg.repeat && status == EXIT_OK; r++)
        for (int i = 0; i < cfg.nimpls && status == EXIT_OK; i++) {
            pg.impl = cfg.impls[i]->name;
            pg.run = r + 1;
            status = workload_run(&cfg, cfg.impls[i], &res[i].runs[r], &pg,
                                  err, sizeof err);
            if (status == EXIT_OK)
                res[i].nruns++;
        }
    progress_clear(&pg);
    if (status == EXIT_OK) {
        for (int i = 0; i < cfg.nimpls; i++)
            pick_median(&res[i]);
        if (report_write(out, &cfg, res, cfg.nimpls) != 0 || fflush(out) != 0) {
            snprintf(err, sizeof err, "writing the report failed: %s",
                     strerror(errno));
            status = EXIT_RUNTIME;
        }
    }
done:
    progress_clear(&pg);
    if (status != EXIT_OK)
        fprintf(stderr, "bufpool-bench: %s\n", err);
    if (out != stdout && fclose(out) != 0 && status == EXIT_OK) {
        fprintf(stderr, "bufpool-bench: -o/--output '%s': %s\n", cfg.output,
                strerror(errno));
        status = EXIT_RUNTIME;
    }
    for (int i = 0; i < cfg.nimpls; i++) {
        for (int r = 0; r < res[i].nruns; r++)
            run_result_free(&res[i].runs[r]);
        free(res[i].runs);
    }
    return status;
}
