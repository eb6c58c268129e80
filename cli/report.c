/* report.c - table, CSV and JSON output.
 *
 * All three show the same figures for the median run of each
 * implementation: throughput (pairs/s over all threads), ns per pair per
 * thread (wall time x threads / pairs), the ratio against bufpool's median
 * in the same invocation, pool statistics, peak RSS and, with --latency,
 * percentiles.  A figure an implementation cannot provide is "-" in the
 * table, empty in CSV and null in JSON, never a made-up 0. */
#include "config.h"

#include "report.h"

#include <bufpool.h>
#include <inttypes.h>
#include <string.h>

static const char *const pattern_names[] = {"local", "pipeline", "random",
                                            "decoder"};
static const char *const touch_names[] = {"none", "first", "all"};

static const double quantiles[] = {0.50, 0.90, 0.99, 0.999, 1.0};
static const char *const qnames[] = {"p50", "p90", "p99", "p99.9", "max"};
static const char *const qcsv[] = {"p50", "p90", "p99", "p99_9", "max"};
#define NQ 5

static const run_result *median_run(const impl_result *r)
{
    return &r->runs[r->median];
}

static double ns_per_pair(const bench_config *cfg, const run_result *run)
{
    return run->pairs ? run->seconds * 1e9 * cfg->threads / (double)run->pairs : 0;
}

/* Ratio against bufpool's median pairs/s, or a negative value when bufpool
 * was not run (or measured nothing). */
static double ratio(const impl_result *res, int n, const impl_result *r)
{
    for (int i = 0; i < n; i++)
        if (res[i].impl == &impl_bufpool) {
            double base = median_run(&res[i])->pairs_per_sec;
            return base > 0 ? median_run(r)->pairs_per_sec / base : -1;
        }
    return -1;
}

/* Bytes allocated at the peak, and in use at the peak (workload.c sums
 * them over the pools). */
static int64_t peak_bytes(const bench_config *cfg, const run_result *run)
{
    (void)cfg;
    return run->stats.peak_bytes;
}

static int64_t peak_in_use_bytes(const run_result *run)
{
    return run->stats.peak_in_use_bytes;
}

/* Human-readable figures for the table. */
static const char *fmt_count(char *b, size_t n, double v)
{
    if (v < 0)
        snprintf(b, n, "-");
    else if (v < 10000)
        snprintf(b, n, "%.0f", v);
    else if (v < 1e6)
        snprintf(b, n, "%.1f k", v / 1e3);
    else if (v < 1e9)
        snprintf(b, n, "%.2f M", v / 1e6);
    else
        snprintf(b, n, "%.2f G", v / 1e9);
    return b;
}

static const char *fmt_bytes(char *b, size_t n, double v)
{
    if (v < 0)
        snprintf(b, n, "-");
    else if (v < 1024)
        snprintf(b, n, "%.0f B", v);
    else if (v < 1024.0 * 1024)
        snprintf(b, n, "%.1f KiB", v / 1024);
    else if (v < 1024.0 * 1024 * 1024)
        snprintf(b, n, "%.1f MiB", v / (1024.0 * 1024));
    else
        snprintf(b, n, "%.2f GiB", v / (1024.0 * 1024 * 1024));
    return b;
}

static void table_header(FILE *f, const bench_config *cfg)
{
    char sz[32];
    fmt_bytes(sz, sizeof sz, (double)cfg->size);
    if (cfg->pattern == PAT_DECODER) {
        fprintf(f, "bufpool-bench %s: decoder pattern, %d worker%s + output, "
                "%s frames of %d plane%s", PACKAGE_VERSION, cfg->threads,
                cfg->threads == 1 ? "" : "s", sz, cfg->nplanes,
                cfg->nplanes == 1 ? "" : "s");
        if (cfg->resolutions > 1)
            fprintf(f, " at %d resolutions", cfg->resolutions);
        fprintf(f, ", depth %u, touch %s%s%s, ", cfg->depth,
                touch_names[cfg->touch], cfg->zero ? ", zero" : "",
                cfg->verify ? ", verified" : "");
    } else {
        fprintf(f, "bufpool-bench %s: %s pattern, %d thread%s, %s buffers, hold %u, ",
                PACKAGE_VERSION, pattern_names[cfg->pattern], cfg->threads,
                cfg->threads == 1 ? "" : "s", sz, cfg->hold);
        if (cfg->pattern == PAT_PIPELINE && cfg->depth != cfg->hold)
            fprintf(f, "depth %u, ", cfg->depth);
        fprintf(f, "touch %s%s%s, ", touch_names[cfg->touch],
                cfg->zero ? ", zero" : "", cfg->verify ? ", verified" : "");
    }
    if (cfg->ops)
        fprintf(f, "%" PRIu64 " ops/thread", cfg->ops);
    else
        fprintf(f, "%g s", cfg->duration);
    if (cfg->warmup > 0)
        fprintf(f, " (+%g s warmup)", cfg->warmup);
    fprintf(f, ", %d run%s%s\n", cfg->repeat, cfg->repeat == 1 ? "" : "s",
            cfg->repeat > 1 ? " (median shown)" : "");
}

static int write_table(FILE *f, const bench_config *cfg, const impl_result *res, int n)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
    table_header(f, cfg);
    fprintf(f, "\n%-10s %11s", "impl", "pairs/s");
    if (cfg->repeat > 1)
        fprintf(f, " %11s %11s", "min", "max");
    fprintf(f, " %9s %10s %10s %10s %11s %11s %12s %10s\n", "ns/pair", "vs bufpool",
            "allocs", "reuses", "peak_in_use", "peak_bytes", "in_use_bytes",
            "peak_rss");
    for (int i = 0; i < n; i++) {
        const impl_result *r = &res[i];
        const run_result *run = median_run(r);
        double rt = ratio(res, n, r);
        char rs[32];
        if (rt < 0)
            snprintf(rs, sizeof rs, "-");
        else
            snprintf(rs, sizeof rs, "%.2fx", rt);
        fprintf(f, "%-10s %11s", r->impl->name,
                fmt_count(a, sizeof a, run->pairs_per_sec));
        if (cfg->repeat > 1)
            fprintf(f, " %11s %11s", fmt_count(b, sizeof b, r->min_pps),
                    fmt_count(c, sizeof c, r->max_pps));
        fprintf(f, " %9.1f %10s %10s %10s %11s %11s %12s %10s\n",
                ns_per_pair(cfg, run), rs,
                fmt_count(d, sizeof d, (double)run->stats.allocs),
                fmt_count(e, sizeof e, (double)run->stats.reuses),
                fmt_count(g, sizeof g, (double)run->stats.peak_in_use),
                fmt_bytes(h, sizeof h, (double)peak_bytes(cfg, run)),
                fmt_bytes(b, sizeof b, (double)peak_in_use_bytes(run)),
                fmt_bytes(a, sizeof a, run->peak_rss_kib < 0 ? -1.0
                          : (double)run->peak_rss_kib * 1024));
        if (cfg->per_thread)
            for (int t = 0; t < run->nthreads; t++) {
                const thread_result *tr = &run->threads[t];
                char name[32];
                snprintf(name, sizeof name, "  #%d", tr->index);
                fprintf(f, "%-10s %11s", name,
                        fmt_count(a, sizeof a, tr->seconds > 0
                                  ? (double)tr->pairs / tr->seconds : 0));
                if (cfg->repeat > 1)
                    fprintf(f, " %11s %11s", "", "");
                fprintf(f, " %9.1f   %s",
                        tr->pairs ? tr->seconds * 1e9 / (double)tr->pairs : 0.0,
                        tr->role);
                if (tr->cpu >= 0)
                    fprintf(f, ", cpu %d", tr->cpu);
                fputc('\n', f);
            }
    }
    if (cfg->latency) {
        fprintf(f, "\n%-18s", "latency (ns)");
        for (int q = 0; q < NQ; q++)
            fprintf(f, " %9s", qnames[q]);
        fprintf(f, " %9s\n", "samples");
        for (int i = 0; i < n; i++) {
            const run_result *run = median_run(&res[i]);
            for (int k = 0; k < 2; k++) {
                const hist *hh = k ? &run->rel_lat : &run->get_lat;
                char name[40];
                snprintf(name, sizeof name, "%s %s", res[i].impl->name,
                         k ? "release" : "get");
                fprintf(f, "%-18s", name);
                for (int q = 0; q < NQ; q++)
                    fprintf(f, " %9" PRIu64, hist_quantile(hh, quantiles[q]));
                fprintf(f, " %9" PRIu64 "\n", hh->n);
            }
        }
        fprintf(f, "(sampled: 1 operation in 64 per thread; log buckets, "
                "values are bucket upper bounds, within 12.5%%)\n");
    }
    return 0;
}

/* CSV: one header line, then a row per implementation (thread "all") and,
 * with --per-thread, a row per thread.  Unknown figures are empty. */
static void csv_opt_i64(FILE *f, int64_t v)
{
    if (v >= 0)
        fprintf(f, ",%" PRId64, v);
    else
        fputs(",", f);
}

static int write_csv(FILE *f, const bench_config *cfg, const impl_result *res, int n)
{
    fputs("impl,thread,role,cpu,pattern,threads,size,hold,runs,pairs,seconds,"
          "pairs_per_sec,pairs_per_sec_min,pairs_per_sec_max,ns_per_pair,"
          "ratio_vs_bufpool,gets,allocs,reuses,peak_in_use,peak_bytes,"
          "peak_rss_kib,in_use,idle", f);
    for (int k = 0; k < 2; k++)
        for (int q = 0; q < NQ; q++)
            fprintf(f, ",%s_%s", k ? "release" : "get", qcsv[q]);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const impl_result *r = &res[i];
        const run_result *run = median_run(r);
        double rt = ratio(res, n, r);
        fprintf(f, "%s,all,,,%s,%d,%zu,%u,%d,%" PRIu64 ",%.6f,%.1f,%.1f,%.1f,%.3f,",
                r->impl->name, pattern_names[cfg->pattern], cfg->threads,
                cfg->size, cfg->hold, r->nruns, run->pairs, run->seconds,
                run->pairs_per_sec, r->min_pps, r->max_pps,
                ns_per_pair(cfg, run));
        if (rt >= 0)
            fprintf(f, "%.4f", rt);
        fprintf(f, ",%" PRIu64, run->gets);
        csv_opt_i64(f, run->stats.allocs);
        csv_opt_i64(f, run->stats.reuses);
        csv_opt_i64(f, run->stats.peak_in_use);
        csv_opt_i64(f, peak_bytes(cfg, run));
        csv_opt_i64(f, run->peak_rss_kib);
        csv_opt_i64(f, run->stats.in_use);
        csv_opt_i64(f, run->stats.idle);
        for (int k = 0; k < 2; k++)
            for (int q = 0; q < NQ; q++) {
                const hist *hh = k ? &run->rel_lat : &run->get_lat;
                if (cfg->latency)
                    fprintf(f, ",%" PRIu64, hist_quantile(hh, quantiles[q]));
                else
                    fputs(",", f);
            }
        fputc('\n', f);
        if (!cfg->per_thread)
            continue;
        for (int t = 0; t < run->nthreads; t++) {
            const thread_result *tr = &run->threads[t];
            fprintf(f, "%s,%d,%s,", r->impl->name, tr->index, tr->role);
            if (tr->cpu >= 0)
                fprintf(f, "%d", tr->cpu);
            fprintf(f, ",%s,%d,%zu,%u,%d,%" PRIu64 ",%.6f,%.1f,,,%.3f,,,,,,,,,",
                    pattern_names[cfg->pattern], cfg->threads, cfg->size,
                    cfg->hold, r->nruns, tr->pairs, tr->seconds,
                    tr->seconds > 0 ? (double)tr->pairs / tr->seconds : 0,
                    tr->pairs ? tr->seconds * 1e9 / (double)tr->pairs : 0.0);
            for (int k = 0; k < 2; k++)
                for (int q = 0; q < NQ; q++) {
                    const hist *hh = k ? &tr->rel_lat : &tr->get_lat;
                    if (cfg->latency)
                        fprintf(f, ",%" PRIu64, hist_quantile(hh, quantiles[q]));
                    else
                        fputs(",", f);
                }
            fputc('\n', f);
        }
    }
    return 0;
}

static void json_i64(FILE *f, const char *key, int64_t v, const char *sep)
{
    if (v >= 0)
        fprintf(f, "\"%s\": %" PRId64 "%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

static void json_latency(FILE *f, const hist *g, const hist *r)
{
    fputs("{", f);
    for (int k = 0; k < 2; k++) {
        const hist *hh = k ? r : g;
        fprintf(f, "\"%s\": {", k ? "release" : "get");
        for (int q = 0; q < NQ; q++)
            fprintf(f, "\"%s\": %" PRIu64 ", ", qnames[q],
                    hist_quantile(hh, quantiles[q]));
        fprintf(f, "\"samples\": %" PRIu64 "}%s", hh->n, k ? "" : ", ");
    }
    fputs("}", f);
}

/* Names are fixed identifiers and the output file name is never printed,
 * so no string here needs JSON escaping. */
static int write_json(FILE *f, const bench_config *cfg, const impl_result *res, int n)
{
    fprintf(f, "{\n  \"config\": {\"version\": \"%s\", \"library_version\": \"%s\", "
            "\"threads\": %d, \"size\": %zu, \"pattern\": \"%s\", \"hold\": %u, "
            "\"touch\": \"%s\", ", PACKAGE_VERSION, bp_version(), cfg->threads,
            cfg->size, pattern_names[cfg->pattern], cfg->hold,
            touch_names[cfg->touch]);
    if (cfg->ops)
        fprintf(f, "\"ops\": %" PRIu64 ", \"duration\": null, ", cfg->ops);
    else
        fprintf(f, "\"ops\": null, \"duration\": %g, ", cfg->duration);
    fprintf(f, "\"depth\": %u, ", cfg->depth);
    if (cfg->pattern == PAT_DECODER) {
        fputs("\"planes\": [", f);
        for (int i = 0; i < cfg->nplanes; i++)
            fprintf(f, "%s%zu", i ? ", " : "", cfg->planes[i]);
        fprintf(f, "], \"pools\": %d, ", cfg->resolutions);
    }
    fprintf(f, "\"warmup\": %g, \"repeat\": %d, \"seed\": %" PRIu64 ", "
            "\"max_buffers\": %zu, \"min_buffers\": %zu, \"align\": %zu, "
            "\"zero\": %s, \"verify\": %s, \"latency\": %s, \"cpus\": ",
            cfg->warmup, cfg->repeat, cfg->seed, cfg->max_buffers,
            cfg->min_buffers, cfg->align, cfg->zero ? "true" : "false",
            cfg->verify ? "true" : "false", cfg->latency ? "true" : "false");
    if (cfg->ncpus) {
        fputc('[', f);
        for (int i = 0; i < cfg->ncpus; i++)
            fprintf(f, "%s%d", i ? ", " : "", cfg->cpus[i]);
        fputc(']', f);
    } else {
        fputs("null", f);
    }
    fputs(", \"impls\": [", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", res[i].impl->name);
    fputs("]},\n  \"results\": [", f);
    for (int i = 0; i < n; i++) {
        const impl_result *r = &res[i];
        const run_result *run = median_run(r);
        double rt = ratio(res, n, r);
        fprintf(f, "%s\n    {\"impl\": \"%s\", \"runs\": %d, \"pairs\": %" PRIu64
                ", \"seconds\": %.6f, \"pairs_per_sec\": %.1f, "
                "\"pairs_per_sec_min\": %.1f, \"pairs_per_sec_max\": %.1f, "
                "\"ns_per_pair\": %.3f, \"ratio_vs_bufpool\": ",
                i ? "," : "", r->impl->name, r->nruns, run->pairs, run->seconds,
                run->pairs_per_sec, r->min_pps, r->max_pps, ns_per_pair(cfg, run));
        if (rt >= 0)
            fprintf(f, "%.4f, ", rt);
        else
            fputs("null, ", f);
        fprintf(f, "\"gets\": %" PRIu64 ", ", run->gets);
        json_i64(f, "allocs", run->stats.allocs, ", ");
        json_i64(f, "reuses", run->stats.reuses, ", ");
        json_i64(f, "peak_in_use", run->stats.peak_in_use, ", ");
        json_i64(f, "peak_bytes", peak_bytes(cfg, run), ", ");
        json_i64(f, "peak_in_use_bytes", peak_in_use_bytes(run), ", ");
        json_i64(f, "peak_rss_kib", run->peak_rss_kib, ", ");
        json_i64(f, "in_use", run->stats.in_use, ", ");
        json_i64(f, "idle", run->stats.idle, ", ");
        fputs("\"latency_ns\": ", f);
        if (cfg->latency)
            json_latency(f, &run->get_lat, &run->rel_lat);
        else
            fputs("null", f);
        if (cfg->per_thread) {
            fputs(", \"threads\": [", f);
            for (int t = 0; t < run->nthreads; t++) {
                const thread_result *tr = &run->threads[t];
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
                    json_latency(f, &tr->get_lat, &tr->rel_lat);
                else
                    fputs("null", f);
                fputc('}', f);
            }
            fputs("]", f);
        }
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
    return 0;
}

int report_write(FILE *f, const bench_config *cfg, const impl_result *res, int n)
{
    switch (cfg->format) {
    case FMT_CSV:  write_csv(f, cfg, res, n); break;
    case FMT_JSON: write_json(f, cfg, res, n); break;
    default:       write_table(f, cfg, res, n); break;
    }
    return ferror(f) ? -1 : 0;
}
