/* compare.c - --compare: matches the rows of two JSON reports by workload
 * (implementation, pattern, threads, size, hold, touch) and gives new/old
 * of their median pairs/s with the range over their runs.  Reading JSON
 * uses jansson; a build without it refuses --compare. */
#include "config.h"

#include "compare.h"
#include "fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif

void compare_free(cmp_report *r)
{
    free(r->file);
    free(r->version);
    free(r->host);
    free(r->cpu_model);
    free(r->git_commit);
    free(r->timestamp);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

#ifdef HAVE_JANSSON
static char *dup_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? strdup(s) : NULL;
}

/* A field of the row, else of the config (reports before sweeps had
 * threads and size in the config only, and "threads" in a row was the
 * --per-thread list): the row's when it has the type wanted. */
static json_t *field(json_t *row, json_t *cfg, const char *key, json_type t)
{
    json_t *v = json_object_get(row, key);
    return v && json_typeof(v) == t ? v : json_object_get(cfg, key);
}

static int bad_row(char *err, size_t errlen, size_t i, const char *what)
{
    snprintf(err, errlen, "result %zu: %s", i + 1, what);
    return -1;
}

static int load_rows(json_t *doc, cmp_report *out, char *err, size_t errlen)
{
    json_t *cfg = json_object_get(doc, "config");
    json_t *res = json_object_get(doc, "results");
    if (!json_is_object(cfg) || !json_is_array(res)) {
        snprintf(err, errlen, "not a bufpool-bench JSON report (no \"config\" "
                 "object and \"results\" list)");
        return -1;
    }
    out->version = dup_str(cfg, "version");
    out->host = dup_str(cfg, "host");
    out->cpu_model = dup_str(cfg, "cpu_model");
    out->git_commit = dup_str(cfg, "git_commit");
    out->timestamp = dup_str(cfg, "timestamp");
    size_t n = json_array_size(res);
    out->rows = calloc(n ? n : 1, sizeof *out->rows);
    if (!out->rows) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(res, i);
        cmp_row *r = &out->rows[out->nrows];
        if (!json_is_object(row))
            return bad_row(err, errlen, i, "not an object");
        const char *impl = json_string_value(json_object_get(row, "impl"));
        const char *pat = json_string_value(field(row, cfg, "pattern",
                                                  JSON_STRING));
        const char *touch = json_string_value(field(row, cfg, "touch",
                                                    JSON_STRING));
        json_t *thr = field(row, cfg, "threads", JSON_INTEGER);
        json_t *sz = field(row, cfg, "size", JSON_INTEGER);
        json_t *hold = field(row, cfg, "hold", JSON_INTEGER);
        json_t *pps = json_object_get(row, "pairs_per_sec");
        json_t *lo = json_object_get(row, "pairs_per_sec_min");
        json_t *hi = json_object_get(row, "pairs_per_sec_max");
        json_t *runs = json_object_get(row, "runs");
        if (!impl || strlen(impl) >= sizeof r->impl)
            return bad_row(err, errlen, i, "no \"impl\" name");
        if (!json_is_integer(thr) || !json_is_integer(sz) ||
            json_integer_value(thr) < 1 || json_integer_value(sz) < 1)
            return bad_row(err, errlen, i, "no \"threads\" and \"size\" "
                           "integers");
        if (!json_is_number(pps) || json_number_value(pps) < 0)
            return bad_row(err, errlen, i, "no \"pairs_per_sec\" number");
        snprintf(r->impl, sizeof r->impl, "%s", impl);
        snprintf(r->pattern, sizeof r->pattern, "%s", pat ? pat : "");
        snprintf(r->touch, sizeof r->touch, "%s", touch ? touch : "");
        r->threads = json_integer_value(thr) > MAX_THREADS ? MAX_THREADS + 1
                   : (int)json_integer_value(thr);
        r->size = (uint64_t)json_integer_value(sz);
        r->hold = json_is_integer(hold) ? (unsigned)json_integer_value(hold) : 0;
        r->runs = json_is_integer(runs) ? (int)json_integer_value(runs) : 1;
        r->pps = json_number_value(pps);
        r->pps_min = json_is_number(lo) ? json_number_value(lo) : r->pps;
        r->pps_max = json_is_number(hi) ? json_number_value(hi) : r->pps;
        out->nrows++;
    }
    return 0;
}
#endif

int compare_load(const char *path, cmp_report *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
#ifdef HAVE_JANSSON
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        /* jansson says "unable to open ...: <strerror>" for I/O errors */
        if (je.line <= 0)
            snprintf(err, errlen, "cannot read it: %s", je.text);
        else
            snprintf(err, errlen, "not valid JSON (line %d: %s)", je.line,
                     je.text);
        return -1;
    }
    int r = load_rows(doc, out, err, errlen);
    json_decref(doc);
    if (r == 0 && !(out->file = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        r = -1;
    }
    if (r != 0)
        compare_free(out);
    return r;
#else
    (void)path;
    snprintf(err, errlen, "this bufpool-bench was built without jansson "
             "(configure --with-jansson; Debian: libjansson-dev), which "
             "reading a report needs");
    return -1;
#endif
}

static bool same(const cmp_row *a, const cmp_row *b)
{
    return strcmp(a->impl, b->impl) == 0 && strcmp(a->pattern, b->pattern) == 0 &&
           strcmp(a->touch, b->touch) == 0 && a->threads == b->threads &&
           a->size == b->size && a->hold == b->hold;
}

const cmp_row *compare_find(const cmp_report *r, const cmp_row *key)
{
    for (int i = 0; i < r->nrows; i++)
        if (same(&r->rows[i], key))
            return &r->rows[i];
    return NULL;
}

void compare_ratio(const cmp_row *old, const cmp_row *cur, double *ratio,
                   double *lo, double *hi)
{
    *ratio = *lo = *hi = -1;
    if (old->pps > 0)
        *ratio = cur->pps / old->pps;
    if (old->pps_max > 0 && old->pps_min > 0) {
        *lo = cur->pps_min / old->pps_max;
        *hi = cur->pps_max / old->pps_min;
    }
}

/* ---- output ---------------------------------------------------------- */

static void describe(FILE *f, const cmp_report *r)
{
    const char *sep = "";
    fputs(" (", f);
    if (r->version)
        fprintf(f, "%sbufpool-bench %s", sep, r->version), sep = ", ";
    if (r->host)
        fprintf(f, "%shost %s", sep, r->host), sep = ", ";
    if (r->git_commit && r->git_commit[0])
        fprintf(f, "%scommit %s", sep, r->git_commit), sep = ", ";
    if (r->timestamp)
        fprintf(f, "%s%s", sep, r->timestamp), sep = ", ";
    if (!*sep)
        fputs("no description", f);
    fputs(")", f);
}

typedef struct pair {
    const cmp_row *old, *cur;
} pair;

/* Every row of cur with its match, then (all_old) the rows only old has. */
static int pairs(const cmp_report *old, const cmp_report *cur, bool all_old,
                 pair **out)
{
    pair *p = calloc((size_t)(old->nrows + cur->nrows) + 1, sizeof *p);
    int n = 0;
    if (!p)
        return -1;
    for (int i = 0; i < cur->nrows; i++) {
        p[n].cur = &cur->rows[i];
        p[n++].old = compare_find(old, &cur->rows[i]);
    }
    for (int i = 0; all_old && i < old->nrows; i++)
        if (!compare_find(cur, &old->rows[i]))
            p[n++].old = &old->rows[i];
    *out = p;
    return n;
}

static int write_table(FILE *f, const cmp_report *old, const cmp_report *cur,
                       pair *p, int n, bool embedded)
{
    char a[32], b[32], c[32], d[32], e[32];
    if (embedded) {
        fprintf(f, "\ncompared with %s", old->file);
        describe(f, old);
        fputs(":\n", f);
    } else {
        fprintf(f, "bufpool-bench --compare: new/old pairs/s per row (median "
                "of each; range: slowest new / fastest old to fastest new / "
                "slowest old)\n  old: %s", old->file);
        describe(f, old);
        fprintf(f, "\n  new: %s", cur->file);
        describe(f, cur);
        fputs("\n\n", f);
    }
    fprintf(f, "%-9s %7s %9s %5s %-10s %11s %11s %9s %15s\n", "pattern",
            "threads", "size", "hold", "impl", "old pairs/s", "new pairs/s",
            "new/old", "range");
    for (int i = 0; i < n; i++) {
        const cmp_row *k = p[i].cur ? p[i].cur : p[i].old;
        double rt = -1, lo = -1, hi = -1;
        if (p[i].old && p[i].cur)
            compare_ratio(p[i].old, p[i].cur, &rt, &lo, &hi);
        fprintf(f, "%-9s %7d %9s %5u %-10s %11s %11s %9s %15s\n", k->pattern,
                k->threads, fmt_bytes(a, sizeof a, (double)k->size), k->hold,
                k->impl, fmt_count(b, sizeof b, p[i].old ? p[i].old->pps : -1),
                fmt_count(c, sizeof c, p[i].cur ? p[i].cur->pps : -1),
                fmt_ratio(d, sizeof d, rt), fmt_ratio_range(e, sizeof e, lo, hi));
    }
    int unmatched = 0;
    for (int i = 0; i < n; i++)
        unmatched += !p[i].old || !p[i].cur;
    if (unmatched)
        fprintf(f, "(%d row%s without a match: rows match on pattern, "
                "threads, size, hold, touch and implementation)\n", unmatched,
                unmatched == 1 ? "" : "s");
    return 0;
}

static int write_csv(FILE *f, pair *p, int n)
{
    fputs("pattern,threads,size,hold,touch,impl,old_pairs_per_sec,"
          "new_pairs_per_sec,ratio,ratio_min,ratio_max\n", f);
    for (int i = 0; i < n; i++) {
        const cmp_row *k = p[i].cur ? p[i].cur : p[i].old;
        double rt = -1, lo = -1, hi = -1;
        if (p[i].old && p[i].cur)
            compare_ratio(p[i].old, p[i].cur, &rt, &lo, &hi);
        csv_str(f, k->pattern);
        fprintf(f, ",%d,%" PRIu64 ",%u,", k->threads, k->size, k->hold);
        csv_str(f, k->touch);
        fputc(',', f);
        csv_str(f, k->impl);
        if (p[i].old)
            fprintf(f, ",%.1f", p[i].old->pps);
        else
            fputs(",", f);
        if (p[i].cur)
            fprintf(f, ",%.1f", p[i].cur->pps);
        else
            fputs(",", f);
        csv_ratio(f, rt);
        csv_ratio(f, lo);
        csv_ratio(f, hi);
        fputc('\n', f);
    }
    return 0;
}

static void json_meta(FILE *f, const cmp_report *r)
{
    fputs("{", f);
    json_kv(f, "file", r->file, ", ");
    json_kv(f, "version", r->version, ", ");
    json_kv(f, "host", r->host, ", ");
    json_kv(f, "cpu_model", r->cpu_model, ", ");
    json_kv(f, "git_commit", r->git_commit, ", ");
    json_kv(f, "timestamp", r->timestamp, "}");
}

static void json_pps(FILE *f, const char *key, const cmp_row *r)
{
    if (r)
        fprintf(f, "\"%s\": %.1f, ", key, r->pps);
    else
        fprintf(f, "\"%s\": null, ", key);
}

static int write_json(FILE *f, const cmp_report *old, const cmp_report *cur,
                      pair *p, int n, bool embedded)
{
    const char *ind = embedded ? "    " : "  ";
    fprintf(f, "{\n%s\"old\": ", ind);
    json_meta(f, old);
    if (!embedded) {
        fprintf(f, ",\n%s\"new\": ", ind);
        json_meta(f, cur);
    }
    fprintf(f, ",\n%s\"rows\": [", ind);
    for (int i = 0; i < n; i++) {
        const cmp_row *k = p[i].cur ? p[i].cur : p[i].old;
        double rt = -1, lo = -1, hi = -1;
        if (p[i].old && p[i].cur)
            compare_ratio(p[i].old, p[i].cur, &rt, &lo, &hi);
        fprintf(f, "%s\n%s  {\"pattern\": ", i ? "," : "", ind);
        json_str(f, k->pattern);
        fprintf(f, ", \"threads\": %d, \"size\": %" PRIu64 ", \"hold\": %u, "
                "\"touch\": ", k->threads, k->size, k->hold);
        json_str(f, k->touch);
        fputs(", \"impl\": ", f);
        json_str(f, k->impl);
        fputs(", ", f);
        json_pps(f, "old_pairs_per_sec", p[i].old);
        json_pps(f, "new_pairs_per_sec", p[i].cur);
        json_ratio(f, "ratio", rt, ", ");
        json_ratio(f, "ratio_min", lo, ", ");
        json_ratio(f, "ratio_max", hi, "}");
    }
    fprintf(f, "\n%s]\n%s}", ind, embedded ? "  " : "");
    if (!embedded)
        fputc('\n', f);
    return 0;
}

int compare_write(FILE *f, enum format fmt, const cmp_report *old,
                  const cmp_report *cur, bool embedded)
{
    pair *p;
    int n = pairs(old, cur, !embedded, &p);
    if (n < 0)
        return -1;
    switch (fmt) {
    case FMT_CSV:  write_csv(f, p, n); break;
    case FMT_JSON: write_json(f, old, cur, p, n, embedded); break;
    default:       write_table(f, old, cur, p, n, embedded); break;
    }
    free(p);
    return ferror(f) ? -1 : 0;
}
