/* main.c - bufpool-bench: the sweep, the runs, a child process per run.
 *
 * For each point of the sweep (the -t and -s lists: threads outer, size
 * inner) every selected implementation runs --repeat times, interleaved
 * (bufpool, malloc, ffmpeg, bufpool, ...), so that a slow drift of the
 * machine (frequency, other load) spreads over all of them instead of
 * biasing one.
 *
 * Every run happens in a child process forked for it.  Allocator state
 * outlives a pool: glibc's dynamic mmap threshold moves after the first
 * free of a big block, arenas keep their top, a pool's thread caches keep
 * buffers; in one process a run measured whatever the runs before it had
 * left (malloc of 1 MiB: 5 k or 9.8 M pairs/s depending on what ran
 * first).  The parent is single-threaded, allocates the results before the
 * first fork and nothing big after, so every child starts from the same
 * state; a crash or a --verify failure ends that run only.  A child
 * returns its run_summary through a shared anonymous mapping made before
 * the fork.
 *
 * SIGINT and SIGTERM stop the sweep: the running child is killed, and the
 * report of the runs completed so far is written (exit status 128 + the
 * signal).  -o and --json files are written under a temporary name and
 * renamed when complete (outfile.c). */
#define _GNU_SOURCE 1
#include "config.h"

#include "compare.h"
#include "machine.h"
#include "options.h"
#include "outfile.h"
#include "report.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "bufpool-bench"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* What a child hands back. */
typedef struct shared_run {
    int         status;        /* EXIT_OK or EXIT_RUNTIME */
    bool        finished;      /* the child got to the end */
    bool        progress_shown;
    char        err[512];
    run_summary run;
    thread_summary threads[];  /* run.nthreads, with --per-thread */
} shared_run;

/* ---- statistics -------------------------------------------------------- */

/* Sorting indices by the runs' pairs/s (qsort has no context argument). */
static const run_summary *sort_runs;
static int cmp_idx(const void *a, const void *b)
{
    double x = sort_runs[*(const int *)a].pairs_per_sec;
    double y = sort_runs[*(const int *)b].pairs_per_sec;
    return (x > y) - (x < y);
}

static void summarize_runs(impl_result *r, int *idx)
{
    int n = r->nruns;
    r->median = 0;
    r->min_pps = r->max_pps = r->mean_pps = r->sd_pps = 0;
    if (n == 0)
        return;
    for (int i = 0; i < n; i++)
        idx[i] = i;
    sort_runs = r->runs;
    qsort(idx, (size_t)n, sizeof *idx, cmp_idx);
    /* Even counts: the lower of the two middle runs (a run that happened). */
    r->median = idx[(n - 1) / 2];
    r->min_pps = r->runs[idx[0]].pairs_per_sec;
    r->max_pps = r->runs[idx[n - 1]].pairs_per_sec;
    double sum = 0, sq = 0;
    for (int i = 0; i < n; i++)
        sum += r->runs[i].pairs_per_sec;
    r->mean_pps = sum / n;
    for (int i = 0; i < n; i++) {
        double d = r->runs[i].pairs_per_sec - r->mean_pps;
        sq += d * d;
    }
    r->sd_pps = n > 1 ? sqrt(sq / (n - 1)) : 0;
}

/* ---- one run, in a child ---------------------------------------------- */

static void summarize_lat(const bench_config *cfg, const hist *h, lat_summary *l)
{
    l->n = h->n;
    for (int q = 0; q < cfg->npct; q++)
        l->q[q] = hist_quantile(h, cfg->pct[q] / 100);
}

/* In the child: the run, summarized into the shared mapping. */
static void child(const bench_config *cfg, const impl_ops *impl,
                  shared_run *sh, progress *pg)
{
    run_result rr;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sh->status = workload_run(cfg, impl, &rr, pg, sh->err, sizeof sh->err);
    if (sh->status == EXIT_OK) {
        run_summary *s = &sh->run;
        s->pairs = rr.pairs;
        s->seconds = rr.seconds;
        s->pairs_per_sec = rr.pairs_per_sec;
        s->gets = rr.gets;
        s->stats = rr.stats;
        s->peak_rss_kib = rr.peak_rss_kib;
        s->pid = (long)getpid();
        s->nthreads = rr.nthreads;
        summarize_lat(cfg, &rr.get_lat, &s->get_lat);
        summarize_lat(cfg, &rr.rel_lat, &s->rel_lat);
        for (int t = 0; cfg->per_thread && t < rr.nthreads; t++) {
            const thread_result *tr = &rr.threads[t];
            thread_summary *ts = &sh->threads[t];
            ts->index = tr->index;
            ts->cpu = tr->cpu;
            ts->role = tr->role;
            ts->pairs = tr->pairs;
            ts->seconds = tr->seconds;
            summarize_lat(cfg, &tr->get_lat, &ts->get_lat);
            summarize_lat(cfg, &tr->rel_lat, &ts->rel_lat);
        }
        run_result_free(&rr);
    }
    sh->progress_shown = pg->shown;
    sh->finished = true;
    /* exit, not _exit: sanitizers check the child's leaks at exit; stdio
     * buffers were flushed before the fork, so nothing is written twice. */
    exit(0);
}

/* Runs one run in a child.  Returns EXIT_OK (the run is in *out; threads
 * copied to out->threads when given), EXIT_RUNTIME with err set, or -1
 * when stopped by a signal before it finished. */
static int run_one(const bench_config *cfg, const impl_ops *impl,
                   run_summary *out, progress *pg, char *err, size_t errlen)
{
    size_t len = sizeof(shared_run) +
                 (cfg->per_thread ? (size_t)workload_nthreads(cfg) * sizeof(thread_summary) : 0);
    shared_run *sh = mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        snprintf(err, errlen, "cannot map memory for a run's results: %s",
                 strerror(errno));
        return EXIT_RUNTIME;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot start a process for the run: %s",
                 strerror(errno));
        munmap(sh, len);
        return EXIT_RUNTIME;
    }
    if (pid == 0)
        child(cfg, impl, sh, pg);

    int ws, st;
    for (;;) {
        if (stop_signal)
            kill(pid, SIGKILL);
        if (waitpid(pid, &ws, 0) == pid)
            break;
        if (errno != EINTR) {
            snprintf(err, errlen, "waiting for the run's process: %s",
                     strerror(errno));
            munmap(sh, len);
            return EXIT_RUNTIME;
        }
    }
    if (sh->progress_shown)
        pg->shown = true;
    char what[64];
    snprintf(what, sizeof what, "%s: run %d of %d", impl->name, pg->run, pg->runs);
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && sh->finished) {
        st = sh->status;
        if (st == EXIT_OK) {
            thread_summary *keep = out->threads;
            *out = sh->run;
            out->threads = NULL;
            if (keep) {
                memcpy(keep, sh->threads, (size_t)workload_nthreads(cfg) * sizeof *keep);
                out->threads = keep;
            }
        } else {
            snprintf(err, errlen, "%s", sh->err);
        }
    } else if (stop_signal) {
        st = -1;
    } else if (WIFSIGNALED(ws)) {
        snprintf(err, errlen, "%s: the process died of signal %d (%s)", what,
                 WTERMSIG(ws), strsignal(WTERMSIG(ws)));
        st = EXIT_RUNTIME;
    } else {
        snprintf(err, errlen, "%s: the process ended with exit status %d%s%.*s",
                 what, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1,
                 sh->err[0] ? ": " : "", (int)(errlen > 128 ? errlen - 128 : 0), sh->err);
        st = EXIT_RUNTIME;
    }
    munmap(sh, len);
    return st;
}

/* ---- outputs ----------------------------------------------------------- */

static int open_out(outfile *o, const char *path, const char *opt)
{
    int e = outfile_open(o, path);
    if (e < 0) {
        fprintf(stderr, PROG ": %s: invalid value '%s': cannot open for "
                "writing: %s\n", opt, path, strerror(-e));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* -o and --json naming the same file would lose one report. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return true;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int load_compare(const char *path, cmp_report *r)
{
    char why[512];
    if (compare_load(path, r, why, sizeof why) != 0) {
        fprintf(stderr, PROG ": -C/--compare: invalid value '%s': %s\n", path, why);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* --compare OLD.json NEW.json: no run. */
static int compare_only(const bench_config *cfg)
{
    cmp_report old, cur;
    outfile out = {0};
    int st = load_compare(cfg->compare, &old);
    if (st != EXIT_OK)
        return st;
    if ((st = load_compare(cfg->compare_new, &cur)) != EXIT_OK) {
        compare_free(&old);
        return st;
    }
    if (cfg->output && (st = open_out(&out, cfg->output, "-o/--output")) != EXIT_OK)
        goto done;
    FILE *f = cfg->output ? out.f : stdout;
    if (compare_write(f, cfg->format, &old, &cur, false) != 0 || fflush(f) != 0) {
        fprintf(stderr, PROG ": writing the comparison failed: %s\n",
                strerror(errno));
        st = EXIT_RUNTIME;
        outfile_discard(&out);
    } else if (cfg->output && (st = -outfile_commit(&out)) != 0) {
        fprintf(stderr, PROG ": -o/--output '%s': %s\n", cfg->output, strerror(st));
        st = EXIT_RUNTIME;
    }
done:
    compare_free(&old);
    compare_free(&cur);
    return st;
}

static double seconds_since(uint64_t t0)
{
    return (double)(now_ns() - t0) / 1e9;
}

int main(int argc, char **argv)
{
    static bench_config cfg;   /* large (the CPU list): not on the stack */
    progress pg = {0};
    pg.start_ns = now_ns();

    int st = options_parse(argc, argv, &cfg);
    if (st >= 0)
        return st;
    if (cfg.compare_new)
        return compare_only(&cfg);

    machine_info machine;
    machine_get(&machine);
    cmp_report old = {0};
    outfile out = {0}, json = {0};
    if (cfg.compare && (st = load_compare(cfg.compare, &old)) != EXIT_OK)
        return st;
    if (cfg.output && cfg.json_output && same_file(cfg.output, cfg.json_output)) {
        fprintf(stderr, PROG ": -j/--json: invalid value '%s': the same file "
                "as -o/--output\n", cfg.json_output);
        compare_free(&old);
        return EXIT_USAGE;
    }
    if ((cfg.output && (st = open_out(&out, cfg.output, "-o/--output")) != EXIT_OK) ||
        (cfg.json_output && (st = open_out(&json, cfg.json_output, "-j/--json")) != EXIT_OK)) {
        outfile_discard(&out);
        compare_free(&old);
        return st;
    }
    pg.enabled = !cfg.quiet && isatty(STDERR_FILENO) == 1;
    pg.runs = cfg.repeat;

    /* Everything the parent keeps, allocated before the first fork. */
    int npoints = cfg.nthreads_list * cfg.nsizes;
    int per_point = cfg.nimpls * cfg.repeat;
    point_result *points = calloc((size_t)npoints, sizeof *points);
    run_summary *runs = calloc((size_t)npoints * (size_t)per_point, sizeof *runs);
    int *idx = calloc((size_t)cfg.repeat, sizeof *idx);
    thread_summary *tsum = NULL;
    size_t nthreads_total = 0;
    if (cfg.per_thread) {
        /* The decoder has an output thread besides its workers. */
        for (int t = 0; t < cfg.nthreads_list; t++)
            nthreads_total += (size_t)cfg.threads_list[t] +
                              (cfg.pattern == PAT_DECODER);
        nthreads_total *= (size_t)cfg.nsizes * (size_t)per_point;
        tsum = calloc(nthreads_total ? nthreads_total : 1, sizeof *tsum);
    }
    char err[512] = "";
    st = EXIT_OK;
    if (!points || !runs || !idx || (cfg.per_thread && !tsum)) {
        snprintf(err, sizeof err, "out of memory");
        st = EXIT_RUNTIME;
        goto done;
    }
    thread_summary *tnext = tsum;
    for (int p = 0; p < npoints; p++) {
        point_result *pt = &points[p];
        pt->threads = cfg.threads_list[p / cfg.nsizes];
        pt->size = cfg.sizes[p % cfg.nsizes];
        pt->nimpls = cfg.nimpls;
        for (int i = 0; i < cfg.nimpls; i++) {
            impl_result *r = &pt->impls[i];
            r->impl = cfg.impls[i];
            r->runs = runs + (size_t)p * per_point + (size_t)i * cfg.repeat;
            for (int k = 0; cfg.per_thread && k < cfg.repeat; k++) {
                r->runs[k].threads = tnext;
                tnext += pt->threads + (cfg.pattern == PAT_DECODER);
            }
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;     /* a second signal stops at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    bool sweep = npoints > 1;
    char label[96];
    int runs_done = 0, points_done = 0;
    for (int p = 0; p < npoints && st == EXIT_OK && !stop_signal; p++) {
        point_result *pt = &points[p];
        cfg.threads = pt->threads;
        cfg.size = pt->size;
        points_done = p + 1;
        for (int k = 0; k < cfg.repeat && st == EXIT_OK && !stop_signal; k++)
            for (int i = 0; i < cfg.nimpls && st == EXIT_OK && !stop_signal; i++) {
                impl_result *r = &pt->impls[i];
                if (sweep)
                    snprintf(label, sizeof label, "%s (%d threads, %zu bytes)",
                             r->impl->name, pt->threads, pt->size);
                else
                    snprintf(label, sizeof label, "%s", r->impl->name);
                pg.impl = label;
                pg.run = k + 1;
                st = run_one(&cfg, r->impl, &r->runs[r->nruns], &pg, err,
                             sizeof err);
                if (st == EXIT_OK) {
                    r->nruns++;
                    runs_done++;
                } else if (st < 0) {
                    st = EXIT_OK;   /* stopped: report what was done */
                }
            }
        for (int i = 0; i < cfg.nimpls; i++)
            summarize_runs(&pt->impls[i], idx);
    }
    progress_clear(&pg);
    if (st != EXIT_OK)
        goto done;

    /* Points with at least one run (all of them unless interrupted). */
    int shown = 0;
    for (int p = 0; p < points_done; p++) {
        int n = 0;
        for (int i = 0; i < cfg.nimpls; i++)
            n += points[p].impls[i].nruns;
        if (n)
            shown = p + 1;
    }
    report_ctx rc = {
        .cfg = &cfg, .machine = &machine, .points = points, .npoints = shown,
        .runs_done = runs_done, .runs_planned = npoints * per_point,
        .interrupted = stop_signal, .elapsed = seconds_since(pg.start_ns),
        .old = cfg.compare ? &old : NULL,
    };
    FILE *f = cfg.output ? out.f : stdout;
    if (report_write(f, cfg.format, &rc) != 0 || fflush(f) != 0 ||
        (cfg.json_output && report_write(json.f, FMT_JSON, &rc) != 0)) {
        snprintf(err, sizeof err, "writing the report failed: %s", strerror(errno));
        st = EXIT_RUNTIME;
        goto done;
    }
    int e;
    if (cfg.output && (e = outfile_commit(&out)) < 0) {
        snprintf(err, sizeof err, "-o/--output '%s': %s", cfg.output, strerror(-e));
        st = EXIT_RUNTIME;
        goto done;
    }
    if (cfg.json_output && (e = outfile_commit(&json)) < 0) {
        snprintf(err, sizeof err, "-j/--json '%s': %s", cfg.json_output, strerror(-e));
        st = EXIT_RUNTIME;
        goto done;
    }
    /* Warnings are in the report; repeated on stderr unless the report is
     * a table on the terminal already showing them. */
    if (!cfg.quiet && !(cfg.format == FMT_TABLE && !cfg.output &&
                        isatty(STDOUT_FILENO) == 1))
        report_warnings(stderr, &rc, PROG ": warning: ");
    /* A signal that came after the last run changed nothing: the report
     * is complete. */
    if (rc.interrupted)
        st = 128 + rc.interrupted;
done:
    progress_clear(&pg);
    if (st == EXIT_RUNTIME)
        fprintf(stderr, PROG ": %s\n", err);
    outfile_discard(&out);
    outfile_discard(&json);
    compare_free(&old);
    free(points);
    free(runs);
    free(idx);
    free(tsum);
    return st;
}
