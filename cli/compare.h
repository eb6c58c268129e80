/* compare.h - --compare: per-row ratios between two JSON reports. */
#ifndef BUFPOOL_BENCH_COMPARE_H
#define BUFPOOL_BENCH_COMPARE_H

#include "bench.h"

/* A row is matched on everything that defines its workload. */
typedef struct cmp_row {
    char     impl[32], pattern[16], touch[16];
    int      threads;
    uint64_t size;
    unsigned hold;
    int      runs;
    double   pps, pps_min, pps_max;    /* median, slowest and fastest run */
} cmp_row;

typedef struct cmp_report {
    char    *file;                     /* as given; NULL for this run */
    /* From the report's config; NULL when it does not say. */
    char    *version, *host, *cpu_model, *git_commit, *timestamp;
    int      nrows;
    cmp_row *rows;
} cmp_report;

/* Reads a report written by --json or --format json (this version's, or
 * an older one's).  Returns 0, or -1 with a one-line reason in err. */
int  compare_load(const char *path, cmp_report *out, char *err, size_t errlen);
void compare_free(cmp_report *r);

/* The row of r with the same workload as key, or NULL. */
const cmp_row *compare_find(const cmp_report *r, const cmp_row *key);

/* new / old of the medians, and the range of new / old over their runs:
 * slowest new / fastest old to fastest new / slowest old. */
void compare_ratio(const cmp_row *old, const cmp_row *cur, double *ratio,
                   double *lo, double *hi);

/* Writes the comparison of cur against old: every row of cur, then (not
 * embedded) the rows only old has.  embedded: as a section of cur's own
 * report (table: a heading instead of a title; json: an object, the value
 * of the "compare" key).  Returns 0 or -1 when writing failed. */
int  compare_write(FILE *f, enum format fmt, const cmp_report *old,
                   const cmp_report *cur, bool embedded);

#endif
