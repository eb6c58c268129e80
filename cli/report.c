/* report.c - table, CSV and JSON output.
 *
 * A row is one implementation at one point of the sweep (threads, size).
 * All three formats show the same figures: the median run's throughput
 * (pairs/s over all threads) and ns per pair per thread (wall time x
 * threads / pairs), the spread over the runs (slowest, fastest, standard
 * deviation, and in CSV/JSON every run's value), the ratio against bufpool's
 * median at the same point with its range over the runs, pool statistics,
 * peak RSS and, with --latency, percentiles.  A figure an implementation
 * cannot provide is "-" in the table, empty in CSV and null in JSON, never
 * a made-up 0.
 *
 * The ratio's range pairs the runs: runs are interleaved (bufpool, malloc,
 * ffmpeg, bufpool, ...), so run i of an implementation and run i of bufpool
 * ran next to each other, and impl_i / bufpool_i is a ratio measured under
 * the same conditions; the range is the lowest and highest of those.  (The
 * ratio of the medians always lies within it.) */
#include "config.h"

#include "report.h"
#include "fmt.h"

#include <bufpool.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char *const pattern_names[] = {"local", "pipeline", "random",
                                            "decoder"};
static const char *const touch_names[] = {"none", "first", "all"};

/* Warn above this relative spread (standard deviation / mean), and when
 * the first run is this far from the median of the others. */
#define SPREAD_WARN 0.10
#define MAX_REPEAT_WARN 1000     /* -r is at most 1000 (options.c) */

static const run_summary *median_run(const impl_result *r)
{
    return &r->runs[r->median];
}

static double ns_per_pair(int threads, const run_summary *run)
{
    return run->pairs ? run->seconds * 1e9 * threads / (double)run->pairs : 0;
}

static const impl_result *bufpool_of(const point_result *pt)
{
    for (int i = 0; i < pt->nimpls; i++)
        if (pt->impls[i].impl == &impl_bufpool && pt->impls[i].nruns > 0)
            return &pt->impls[i];
    return NULL;
}

/* Steps through the rows that have runs, (point, implementation) in report
 * order: for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) ... */
static bool next_row(const report_ctx *rc, int *p, int *i,
                     const point_result **pt, const impl_result **r)
{
    for (;;) {
        if (*p >= rc->npoints)
            return false;
        if (++*i >= rc->points[*p].nimpls) {
            ++*p;
            *i = -1;
            continue;
        }
        *pt = &rc->points[*p];
        *r = &(*pt)->impls[*i];
        if ((*r)->nruns > 0)
            return true;
    }
}

/* Ratio of r's median to bufpool's at the same point, and the range of the
 * paired per-run ratios; all -1 when bufpool was not run. */
static void ratio(const point_result *pt, const impl_result *r, double *med,
                  double *lo, double *hi)
{
    const impl_result *b = bufpool_of(pt);
    *med = *lo = *hi = -1;
    if (!b || r->nruns == 0 || median_run(b)->pairs_per_sec <= 0)
        return;
    *med = median_run(r)->pairs_per_sec / median_run(b)->pairs_per_sec;
    int n = r->nruns < b->nruns ? r->nruns : b->nruns;
    for (int i = 0; i < n; i++) {
        if (b->runs[i].pairs_per_sec <= 0)
            continue;
        double x = r->runs[i].pairs_per_sec / b->runs[i].pairs_per_sec;
        if (*lo < 0 || x < *lo)
            *lo = x;
        if (x > *hi)
            *hi = x;
    }
}

/* One run's ratio against bufpool's run of the same index, or -1. */
static double run_ratio(const point_result *pt, const impl_result *r, int i)
{
    const impl_result *b = bufpool_of(pt);
    if (!b || i >= b->nruns || b->runs[i].pairs_per_sec <= 0)
        return -1;
    return r->runs[i].pairs_per_sec / b->runs[i].pairs_per_sec;
}

/* Bytes allocated at the peak, and in use at the peak (workload.c sums
 * them over the pools); -1 unknown. */
static int64_t peak_bytes(size_t size, const run_summary *run)
{
    (void)size;
    return run->stats.peak_bytes;
}

static int64_t peak_in_use_bytes(const run_summary *run)
{
    return run->stats.peak_in_use_bytes;
}

/* The queue depth at a point (the decoder's default follows its threads). */
static unsigned point_depth(const bench_config *cfg, const point_result *pt)
{
    if (cfg->depth)
        return cfg->depth;
    return cfg->pattern == PAT_DECODER ? 2 * (unsigned)pt->threads : cfg->hold;
}

static bool is_sweep(const bench_config *cfg)
{
    return cfg->nthreads_list > 1 || cfg->nsizes > 1;
}

/* "bufpool" or, in a sweep, "bufpool, 2 threads, 4.0 KiB". */
static const char *row_name(char *b, size_t n, const bench_config *cfg,
                            const point_result *pt, const impl_result *r)
{
    char sz[32];
    if (!is_sweep(cfg))
        snprintf(b, n, "%s", r->impl->name);
    else
        snprintf(b, n, "%s, %d thread%s, %s", r->impl->name, pt->threads,
                 pt->threads == 1 ? "" : "s",
                 fmt_bytes(sz, sizeof sz, (double)pt->size));
    return b;
}

const char *report_pct_name(char *b, size_t n, double p, bool csv)
{
    if (p >= 100) {
        snprintf(b, n, "max");
        return b;
    }
    char num[32];
    snprintf(num, sizeof num, "%.4f", p);
    char *e = num + strlen(num);
    while (e[-1] == '0')
        *--e = 0;
    if (e[-1] == '.')
        *--e = 0;
    if (csv) {
        char *dot = strchr(num, '.');
        if (dot)
            *dot = '_';
    }
    snprintf(b, n, "p%s", num);
    return b;
}

/* ---- warnings ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The warnings of one row, as lines into buf (each ending in '\n'). */
static int row_warnings(const bench_config *cfg, const point_result *pt,
                        const impl_result *r, char *buf, size_t n)
{
    char name[96], a[32], b[32];
    int count = 0;
    size_t len = 0;
    buf[0] = 0;
    row_name(name, sizeof name, cfg, pt, r);
    if (r->nruns >= 2 && r->mean_pps > 0 && r->sd_pps / r->mean_pps > SPREAD_WARN) {
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
            "%s: the runs spread by %.1f %% (standard deviation / mean, more "
            "than %.0f %%): use a longer -d, more -r or a quieter machine\n",
            name, 100 * r->sd_pps / r->mean_pps, 100 * SPREAD_WARN);
        count++;
    }
    if (r->nruns >= 3) {
        /* The first run against the median of the others. */
        double others[MAX_REPEAT_WARN];
        int k = 0;
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 1; i < r->nruns && k < MAX_REPEAT_WARN; i++) {
            double v = r->runs[i].pairs_per_sec;
            others[k++] = v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        qsort(others, (size_t)k, sizeof *others, cmp_double);
        double med = others[(k - 1) / 2];
        double first = r->runs[0].pairs_per_sec;
        if (med > 0 && (first < lo || first > hi) &&
            fabs(first - med) / med > SPREAD_WARN) {
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
                "%s: the first run (%s pairs/s) is an outlier, %.0f %% %s "
                "the median of the others (%s)\n", name,
                fmt_count(a, sizeof a, first), 100 * fabs(first - med) / med,
                first < med ? "below" : "above", fmt_count(b, sizeof b, med));
            count++;
        }
    }
    return count;
}

int report_warnings(FILE *f, const report_ctx *rc, const char *prefix)
{
    char buf[1024];
    int total = 0;
    const point_result *pt;
    const impl_result *r;
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
        if (!row_warnings(rc->cfg, pt, r, buf, sizeof buf))
            continue;
        for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
            fprintf(f, "%s%.*s\n", prefix, (int)(nl - line), line);
            total++;
        }
    }
    return total;
}

/* ---- table ------------------------------------------------------------- */

static const char *signame(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM"
         : sig == SIGHUP ? "SIGHUP" : "a signal";
}

static void table_header(FILE *f, const report_ctx *rc)
{
    const bench_config *cfg = rc->cfg;
    char sz[32];
    fprintf(f, "bufpool-bench %s: %s pattern, ", PACKAGE_VERSION,
            pattern_names[cfg->pattern]);
    bool decoder = cfg->pattern == PAT_DECODER;
    if (cfg->nthreads_list == 1) {
        fprintf(f, "%d %s%s%s, ", cfg->threads_list[0],
                decoder ? "worker" : "thread",
                cfg->threads_list[0] == 1 ? "" : "s",
                decoder ? " + output" : "");
    } else {
        fputs(decoder ? "workers " : "threads ", f);
        for (int i = 0; i < cfg->nthreads_list; i++)
            fprintf(f, "%s%d", i ? "," : "", cfg->threads_list[i]);
        fputs(decoder ? " + output, " : ", ", f);
    }
    if (decoder) {
        fprintf(f, "%s ", fmt_bytes(sz, sizeof sz, (double)cfg->sizes[0]));
    } else if (cfg->nsizes == 1) {
        fprintf(f, "%s buffers, ", fmt_bytes(sz, sizeof sz, (double)cfg->sizes[0]));
    } else {
        fputs("sizes ", f);
        for (int i = 0; i < cfg->nsizes; i++)
            fprintf(f, "%s%s", i ? ", " : "",
                    fmt_bytes(sz, sizeof sz, (double)cfg->sizes[i]));
        fputs(", ", f);
    }
    if (cfg->pattern == PAT_DECODER) {
        fprintf(f, "frames of %d plane%s", cfg->nplanes,
                cfg->nplanes == 1 ? "" : "s");
        if (cfg->resolutions > 1)
            fprintf(f, " at %d resolutions", cfg->resolutions);
        if (cfg->depth)
            fprintf(f, ", depth %u, ", cfg->depth);
        else
            fputs(", depth 2 x workers, ", f);
    } else {
        fprintf(f, "hold %u, ", cfg->hold);
        if (cfg->pattern == PAT_PIPELINE && cfg->depth != cfg->hold)
            fprintf(f, "depth %u, ", cfg->depth);
    }
    fprintf(f, "touch %s%s%s, ", touch_names[cfg->touch],
            cfg->zero ? ", zero" : "", cfg->verify ? ", verified" : "");
    if (cfg->ops)
        fprintf(f, "%" PRIu64 " ops/thread", cfg->ops);
    else
        fprintf(f, "%g s", cfg->duration);
    if (cfg->warmup > 0)
        fprintf(f, " (+%g s warmup)", cfg->warmup);
    fprintf(f, ", %d run%s%s, each in its own process\n", cfg->repeat,
            cfg->repeat == 1 ? "" : "s",
            cfg->repeat > 1 ? " each (median shown)" : "");
    if (rc->interrupted)
        fprintf(f, "interrupted by %s after %d of %d runs: a partial report\n",
                signame(rc->interrupted), rc->runs_done, rc->runs_planned);
}

static int write_table(FILE *f, const report_ctx *rc)
{
    const bench_config *cfg = rc->cfg;
    bool sweep = is_sweep(cfg), multi = cfg->repeat > 1;
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
    const point_result *pt;
    const impl_result *r;
    table_header(f, rc);
    fputc('\n', f);
    if (sweep)
        fprintf(f, "%7s %9s ", "threads", "size");
    fprintf(f, "%-10s %11s", "impl", "pairs/s");
    if (multi)
        fprintf(f, " %6s %11s %11s", "sd", "min", "max");
    fprintf(f, " %9s %10s", "ns/pair", "vs bufpool");
    if (multi)
        fprintf(f, " %13s", "range");
    fprintf(f, " %10s %10s %11s %11s %12s %10s\n", "allocs", "reuses",
            "peak_in_use", "peak_bytes", "in_use_bytes", "peak_rss");
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
        const run_summary *run = median_run(r);
        double rt, lo, hi;
        ratio(pt, r, &rt, &lo, &hi);
        if (sweep)
            fprintf(f, "%7d %9s ", pt->threads,
                    fmt_bytes(a, sizeof a, (double)pt->size));
        fprintf(f, "%-10s %11s", r->impl->name,
                fmt_count(a, sizeof a, run->pairs_per_sec));
        if (multi) {
            char sd[16] = "-";
            if (r->nruns > 1 && r->mean_pps > 0)
                snprintf(sd, sizeof sd, "%.1f%%", 100 * r->sd_pps / r->mean_pps);
            fprintf(f, " %6s %11s %11s", sd, fmt_count(b, sizeof b, r->min_pps),
                    fmt_count(c, sizeof c, r->max_pps));
        }
        fprintf(f, " %9.1f %10s", ns_per_pair(pt->threads, run),
                fmt_ratio(d, sizeof d, rt));
        if (multi)
            fprintf(f, " %13s", r->impl == &impl_bufpool ? "-"
                    : fmt_ratio_range(e, sizeof e, lo, hi));
        fprintf(f, " %10s %10s %11s %11s %12s %10s\n",
                fmt_count(a, sizeof a, (double)run->stats.allocs),
                fmt_count(b, sizeof b, (double)run->stats.reuses),
                fmt_count(g, sizeof g, (double)run->stats.peak_in_use),
                fmt_bytes(h, sizeof h, (double)peak_bytes(pt->size, run)),
                fmt_bytes(e, sizeof e, (double)peak_in_use_bytes(run)),
                fmt_bytes(c, sizeof c, run->peak_rss_kib < 0 ? -1.0
                          : (double)run->peak_rss_kib * 1024));
        if (!cfg->per_thread || !run->threads)
            continue;
        for (int t = 0; t < run->nthreads; t++) {
            const thread_summary *tr = &run->threads[t];
            char name[32];
            snprintf(name, sizeof name, "  #%d", tr->index);
            if (sweep)
                fprintf(f, "%7s %9s ", "", "");
            fprintf(f, "%-10s %11s", name,
                    fmt_count(a, sizeof a, tr->seconds > 0
                              ? (double)tr->pairs / tr->seconds : 0));
            if (multi)
                fprintf(f, " %6s %11s %11s", "", "", "");
            fprintf(f, " %9.1f   %s",
                    tr->pairs ? tr->seconds * 1e9 / (double)tr->pairs : 0.0,
                    tr->role);
            if (tr->cpu >= 0)
                fprintf(f, ", cpu %d", tr->cpu);
            fputc('\n', f);
        }
    }
    if (rc->npoints == 0)
        fputs("(no run finished)\n", f);
    if (multi)
        fputs("(sd: standard deviation / mean of the runs; range: the lowest "
              "and highest ratio of a run to bufpool's run next to it)\n", f);
    char buf[1024];
    int nw = 0;
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
        if (!row_warnings(cfg, pt, r, buf, sizeof buf))
            continue;
        if (!nw++)
            fputc('\n', f);
        for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1)
            fprintf(f, "warning: %.*s\n", (int)(nl - line), line);
    }

    if (cfg->latency) {
        fprintf(f, "\n%-30s", "latency (ns)");
        for (int q = 0; q < cfg->npct; q++)
            fprintf(f, " %9s", report_pct_name(a, sizeof a, cfg->pct[q], false));
        fprintf(f, " %9s\n", "samples");
        for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
            const run_summary *run = median_run(r);
            for (int k = 0; k < 2; k++) {
                const lat_summary *l = k ? &run->rel_lat : &run->get_lat;
                char name[96], rn[80];
                snprintf(name, sizeof name, "%s %s",
                         row_name(rn, sizeof rn, cfg, pt, r),
                         k ? "release" : "get");
                fprintf(f, "%-30s", name);
                for (int q = 0; q < cfg->npct; q++)
                    fprintf(f, " %9" PRIu64, l->q[q]);
                fprintf(f, " %9" PRIu64 "\n", l->n);
            }
        }
        fprintf(f, "(sampled: 1 operation in 64 per thread; log buckets, values "
                "are bucket upper bounds, within 0.8%%)\n");
    }
    return 0;
}

/* ---- CSV --------------------------------------------------------------- */

/* One header line, then a row per implementation and point (thread "all")
 * and, with --per-thread, a row per thread.  Unknown figures are empty. */
static void csv_opt_i64(FILE *f, int64_t v)
{
    if (v >= 0)
        fprintf(f, ",%" PRId64, v);
    else
        fputs(",", f);
}

static void csv_lat(FILE *f, const bench_config *cfg, const lat_summary *g,
                    const lat_summary *r)
{
    for (int k = 0; k < 2; k++)
        for (int q = 0; q < cfg->npct; q++) {
            if (cfg->latency)
                fprintf(f, ",%" PRIu64, (k ? r : g)->q[q]);
            else
                fputs(",", f);
        }
}

/* The row as --compare matches it. */
static void cmp_key(cmp_row *k, const bench_config *cfg, const point_result *pt,
                    const impl_result *r)
{
    memset(k, 0, sizeof *k);
    snprintf(k->impl, sizeof k->impl, "%s", r->impl->name);
    snprintf(k->pattern, sizeof k->pattern, "%s", pattern_names[cfg->pattern]);
    snprintf(k->touch, sizeof k->touch, "%s", touch_names[cfg->touch]);
    k->threads = pt->threads;
    k->size = pt->size;
    k->hold = cfg->hold;
    k->runs = r->nruns;
    k->pps = median_run(r)->pairs_per_sec;
    k->pps_min = r->min_pps;
    k->pps_max = r->max_pps;
}

static int write_csv(FILE *f, const report_ctx *rc)
{
    const bench_config *cfg = rc->cfg;
    const point_result *pt;
    const impl_result *r;
    char nm[32];
    fputs("impl,thread,role,cpu,pattern,threads,size,hold,runs,pairs,seconds,"
          "pairs_per_sec,pairs_per_sec_min,pairs_per_sec_max,pairs_per_sec_sd,"
          "pairs_per_sec_runs,ns_per_pair,ratio_vs_bufpool,ratio_vs_bufpool_min,"
          "ratio_vs_bufpool_max,gets,allocs,reuses,peak_in_use,peak_bytes,"
          "peak_rss_kib,in_use,idle,warnings", f);
    for (int k = 0; k < 2; k++)
        for (int q = 0; q < cfg->npct; q++)
            fprintf(f, ",%s_%s", k ? "release" : "get",
                    report_pct_name(nm, sizeof nm, cfg->pct[q], true));
    if (rc->old)
        fputs(",old_pairs_per_sec,ratio_vs_old,ratio_vs_old_min,ratio_vs_old_max", f);
    fputc('\n', f);
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
        const run_summary *run = median_run(r);
        double rt, lo, hi;
        ratio(pt, r, &rt, &lo, &hi);
        fprintf(f, "%s,all,,,%s,%d,%zu,%u,%d,%" PRIu64 ",%.6f,%.1f,%.1f,%.1f,"
                "%.1f,", r->impl->name, pattern_names[cfg->pattern],
                pt->threads, pt->size, cfg->hold, r->nruns, run->pairs,
                run->seconds, run->pairs_per_sec, r->min_pps, r->max_pps,
                r->sd_pps);
        for (int k = 0; k < r->nruns; k++)
            fprintf(f, "%s%.1f", k ? ";" : "", r->runs[k].pairs_per_sec);
        fprintf(f, ",%.3f", ns_per_pair(pt->threads, run));
        csv_ratio(f, rt);
        csv_ratio(f, lo);
        csv_ratio(f, hi);
        fprintf(f, ",%" PRIu64, run->gets);
        csv_opt_i64(f, run->stats.allocs);
        csv_opt_i64(f, run->stats.reuses);
        csv_opt_i64(f, run->stats.peak_in_use);
        csv_opt_i64(f, peak_bytes(pt->size, run));
        csv_opt_i64(f, run->peak_rss_kib);
        csv_opt_i64(f, run->stats.in_use);
        csv_opt_i64(f, run->stats.idle);
        char w[1024];
        fputc(',', f);
        if (row_warnings(cfg, pt, r, w, sizeof w)) {
            /* lines joined with "; " */
            w[strlen(w) - 1] = 0;
            for (char *nl; (nl = strchr(w, '\n'));) {
                memmove(nl + 2, nl + 1, strlen(nl + 1) + 1);
                nl[0] = ';';
                nl[1] = ' ';
            }
            csv_str(f, w);
        }
        csv_lat(f, cfg, &run->get_lat, &run->rel_lat);
        if (rc->old) {
            cmp_row key;
            cmp_key(&key, cfg, pt, r);
            const cmp_row *o = compare_find(rc->old, &key);
            double cr = -1, clo = -1, chi = -1;
            if (o)
                compare_ratio(o, &key, &cr, &clo, &chi);
            if (o)
                fprintf(f, ",%.1f", o->pps);
            else
                fputs(",", f);
            csv_ratio(f, cr);
            csv_ratio(f, clo);
            csv_ratio(f, chi);
        }
        fputc('\n', f);
        if (!cfg->per_thread || !run->threads)
            continue;
        for (int t = 0; t < run->nthreads; t++) {
            const thread_summary *tr = &run->threads[t];
            fprintf(f, "%s,%d,%s,", r->impl->name, tr->index, tr->role);
            if (tr->cpu >= 0)
                fprintf(f, "%d", tr->cpu);
            fprintf(f, ",%s,%d,%zu,%u,%d,%" PRIu64 ",%.6f,%.1f,,,,,%.3f"
                    ",,,,,,,,,,,,",
                    pattern_names[cfg->pattern], pt->threads, pt->size,
                    cfg->hold, r->nruns, tr->pairs, tr->seconds,
                    tr->seconds > 0 ? (double)tr->pairs / tr->seconds : 0,
                    tr->pairs ? tr->seconds * 1e9 / (double)tr->pairs : 0.0);
            csv_lat(f, cfg, &tr->get_lat, &tr->rel_lat);
            if (rc->old)
                fputs(",,,,", f);
            fputc('\n', f);
        }
    }
    return 0;
}

/* ---- JSON -------------------------------------------------------------- */

static void json_i64(FILE *f, const char *key, int64_t v, const char *sep)
{
    if (v >= 0)
        fprintf(f, "\"%s\": %" PRId64 "%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

static void json_latency(FILE *f, const bench_config *cfg, const lat_summary *g,
                         const lat_summary *r)
{
    char nm[32];
    fputs("{", f);
    for (int k = 0; k < 2; k++) {
        const lat_summary *l = k ? r : g;
        fprintf(f, "\"%s\": {", k ? "release" : "get");
        for (int q = 0; q < cfg->npct; q++)
            fprintf(f, "\"%s\": %" PRIu64 ", ",
                    report_pct_name(nm, sizeof nm, cfg->pct[q], false), l->q[q]);
        fprintf(f, "\"samples\": %" PRIu64 "}%s", l->n, k ? "" : ", ");
    }
    fputs("}", f);
}

static void json_config(FILE *f, const report_ctx *rc)
{
    const bench_config *cfg = rc->cfg;
    const machine_info *m = rc->machine;
    fputs("{\n    ", f);
    json_kv(f, "version", PACKAGE_VERSION, ", ");
    json_kv(f, "library_version", bp_version(), ", ");
    json_kv(f, "git_commit", m->git_commit[0] ? m->git_commit : NULL, ", ");
    json_kv(f, "timestamp", m->timestamp, ", ");
    fprintf(f, "\"elapsed_seconds\": %.3f,\n    ", rc->elapsed);
    json_kv(f, "host", m->host, ", ");
    json_kv(f, "cpu_model", m->cpu_model, ", ");
    fprintf(f, "\"cpus_online\": %ld, ", m->cpus_online);
    json_kv(f, "kernel", m->kernel, ", ");
    json_kv(f, "kernel_build", m->kernel_build, ", ");
    json_kv(f, "arch", m->arch, ",\n    ");
    json_kv(f, "compiler", m->compiler, ", ");
    json_kv(f, "cflags", m->cflags, ", ");
    json_kv(f, "libavutil", m->libavutil[0] ? m->libavutil : NULL, ",\n    ");
    fputs("\"isolation\": \"process per run\", \"interrupted\": ", f);
    if (rc->interrupted)
        json_str(f, signame(rc->interrupted));
    else
        fputs("null", f);
    fprintf(f, ", \"runs_planned\": %d, \"runs_done\": %d,\n    \"threads\": [",
            rc->runs_planned, rc->runs_done);
    for (int i = 0; i < cfg->nthreads_list; i++)
        fprintf(f, "%s%d", i ? ", " : "", cfg->threads_list[i]);
    fputs("], \"size\": [", f);
    for (int i = 0; i < cfg->nsizes; i++)
        fprintf(f, "%s%zu", i ? ", " : "", cfg->sizes[i]);
    fprintf(f, "], \"pattern\": \"%s\", \"hold\": %u, \"touch\": \"%s\", ",
            pattern_names[cfg->pattern], cfg->hold, touch_names[cfg->touch]);
    if (cfg->depth)
        fprintf(f, "\"depth\": %u, ", cfg->depth);
    else
        fputs("\"depth\": null, ", f);    /* the decoder's 2 x threads */
    if (cfg->pattern == PAT_DECODER) {
        fputs("\"planes\": [", f);
        for (int i = 0; i < cfg->nplanes; i++)
            fprintf(f, "%s%zu", i ? ", " : "", cfg->planes[i]);
        fprintf(f, "], \"pools\": %d, ", cfg->resolutions);
    }
    if (cfg->ops)
        fprintf(f, "\"ops\": %" PRIu64 ", \"duration\": null, ", cfg->ops);
    else
        fprintf(f, "\"ops\": null, \"duration\": %g, ", cfg->duration);
    fprintf(f, "\"warmup\": %g, \"repeat\": %d, \"seed\": %" PRIu64 ",\n    "
            "\"max_buffers\": %zu, \"min_buffers\": %zu, \"align\": %zu, "
            "\"zero\": %s, \"poison\": %s, \"verify\": %s, \"latency\": %s, "
            "\"percentiles\": [", cfg->warmup, cfg->repeat, cfg->seed,
            cfg->max_buffers, cfg->min_buffers, cfg->align,
            cfg->zero ? "true" : "false", cfg->poison ? "true" : "false",
            cfg->verify ? "true" : "false", cfg->latency ? "true" : "false");
    for (int q = 0; q < cfg->npct; q++)
        fprintf(f, "%s%g", q ? ", " : "", cfg->pct[q]);
    fputs("], \"cpus\": ", f);
    if (cfg->ncpus) {
        fputc('[', f);
        for (int i = 0; i < cfg->ncpus; i++)
            fprintf(f, "%s%d", i ? ", " : "", cfg->cpus[i]);
        fputc(']', f);
    } else {
        fputs("null", f);
    }
    fputs(", \"impls\": [", f);
    for (int i = 0; i < cfg->nimpls; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, cfg->impls[i]->name);
    }
    fputs("]}", f);
}

static void json_row(FILE *f, const report_ctx *rc, const point_result *pt,
                     const impl_result *r)
{
    const bench_config *cfg = rc->cfg;
    const run_summary *run = median_run(r);
    double rt, lo, hi;
    ratio(pt, r, &rt, &lo, &hi);
    fprintf(f, "{\"impl\": \"%s\", \"threads\": %d, \"size\": %zu, "
            "\"pattern\": \"%s\", \"hold\": %u, \"touch\": \"%s\",\n"
            "     \"runs\": %d, \"pairs\": %" PRIu64 ", \"seconds\": %.6f, "
            "\"pairs_per_sec\": %.1f, \"pairs_per_sec_min\": %.1f, "
            "\"pairs_per_sec_max\": %.1f, \"pairs_per_sec_mean\": %.1f, "
            "\"pairs_per_sec_sd\": %.1f, \"ns_per_pair\": %.3f,\n     ",
            r->impl->name, pt->threads, pt->size, pattern_names[cfg->pattern],
            cfg->hold, touch_names[cfg->touch], r->nruns, run->pairs,
            run->seconds, run->pairs_per_sec, r->min_pps, r->max_pps,
            r->mean_pps, r->sd_pps, ns_per_pair(pt->threads, run));
    json_ratio(f, "ratio_vs_bufpool", rt, ", ");
    json_ratio(f, "ratio_vs_bufpool_min", lo, ", ");
    json_ratio(f, "ratio_vs_bufpool_max", hi, ",\n     ");
    fprintf(f, "\"gets\": %" PRIu64 ", ", run->gets);
    json_i64(f, "allocs", run->stats.allocs, ", ");
    json_i64(f, "reuses", run->stats.reuses, ", ");
    json_i64(f, "peak_in_use", run->stats.peak_in_use, ", ");
    json_i64(f, "peak_bytes", peak_bytes(pt->size, run), ", ");
    json_i64(f, "peak_in_use_bytes", peak_in_use_bytes(run), ", ");
    fprintf(f, "\"depth\": %u, ", point_depth(cfg, pt));
    json_i64(f, "peak_rss_kib", run->peak_rss_kib, ", ");
    json_i64(f, "in_use", run->stats.in_use, ", ");
    json_i64(f, "idle", run->stats.idle, ",\n     ");
    fprintf(f, "\"median_run\": %d, \"per_run\": [", r->median);
    for (int k = 0; k < r->nruns; k++) {
        const run_summary *x = &r->runs[k];
        fprintf(f, "%s{\"pid\": %ld, \"pairs\": %" PRIu64 ", \"seconds\": %.6f, "
                "\"pairs_per_sec\": %.1f, ", k ? ", " : "", x->pid, x->pairs,
                x->seconds, x->pairs_per_sec);
        json_ratio(f, "ratio_vs_bufpool", run_ratio(pt, r, k), ", ");
        json_i64(f, "peak_rss_kib", x->peak_rss_kib, "}");
    }
    fputs("],\n     \"warnings\": [", f);
    char w[1024];
    int nw = 0;
    if (row_warnings(cfg, pt, r, w, sizeof w))
        for (char *line = w, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
            *nl = 0;
            fputs(nw++ ? ", " : "", f);
            json_str(f, line);
        }
    fputs("], \"latency_ns\": ", f);
    if (cfg->latency)
        json_latency(f, cfg, &run->get_lat, &run->rel_lat);
    else
        fputs("null", f);
    if (cfg->per_thread && run->threads) {
        fputs(", \"per_thread\": [", f);
        for (int t = 0; t < run->nthreads; t++) {
            const thread_summary *tr = &run->threads[t];
            fprintf(f, "%s\n      {\"thread\": %d, \"role\": \"%s\", \"cpu\": ",
                    t ? "," : "", tr->index, tr->role);
            if (tr->cpu >= 0)
                fprintf(f, "%d", tr->cpu);
            else
                fputs("null", f);
            fprintf(f, ", \"pairs\": %" PRIu64 ", \"seconds\": %.6f, "
                    "\"pairs_per_sec\": %.1f, \"ns_per_pair\": %.3f, "
                    "\"latency_ns\": ", tr->pairs, tr->seconds,
                    tr->seconds > 0 ? (double)tr->pairs / tr->seconds : 0,
                    tr->pairs ? tr->seconds * 1e9 / (double)tr->pairs : 0.0);
            if (cfg->latency)
                json_latency(f, cfg, &tr->get_lat, &tr->rel_lat);
            else
                fputs("null", f);
            fputc('}', f);
        }
        fputs("]", f);
    }
    fputc('}', f);
}

/* This run's rows as a cmp_report, for the --compare section. */
static int current_rows(const report_ctx *rc, cmp_report *cur)
{
    int n = 0;
    memset(cur, 0, sizeof *cur);
    for (int p = 0; p < rc->npoints; p++)
        n += rc->points[p].nimpls;
    cur->rows = calloc((size_t)n + 1, sizeof *cur->rows);
    if (!cur->rows)
        return -1;
    const point_result *pt;
    const impl_result *r;
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);)
        cmp_key(&cur->rows[cur->nrows++], rc->cfg, pt, r);
    return 0;
}

static int write_json(FILE *f, const report_ctx *rc)
{
    fputs("{\n  \"config\": ", f);
    json_config(f, rc);
    fputs(",\n  \"results\": [", f);
    int n = 0;
    const point_result *pt;
    const impl_result *r;
    for (int p = 0, i = -1; next_row(rc, &p, &i, &pt, &r);) {
        fputs(n++ ? ",\n    " : "\n    ", f);
        json_row(f, rc, pt, r);
    }
    fputs("\n  ]", f);
    if (rc->old) {
        cmp_report cur;
        if (current_rows(rc, &cur) != 0)
            return -1;
        fputs(",\n  \"compare\": ", f);
        compare_write(f, FMT_JSON, rc->old, &cur, true);
        free(cur.rows);
    }
    fputs("\n}\n", f);
    return 0;
}

int report_write(FILE *f, enum format fmt, const report_ctx *rc)
{
    int r;
    switch (fmt) {
    case FMT_CSV:  r = write_csv(f, rc); break;
    case FMT_JSON: r = write_json(f, rc); break;
    default:
        r = write_table(f, rc);
        if (r == 0 && rc->old) {
            cmp_report cur;
            if (current_rows(rc, &cur) != 0)
                return -1;
            r = compare_write(f, FMT_TABLE, rc->old, &cur, true);
            free(cur.rows);
        }
        break;
    }
    return r != 0 || ferror(f) ? -1 : 0;
}
