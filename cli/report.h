/* report.h - writes the results as a table, CSV or JSON. */
#ifndef BUFPOOL_BENCH_REPORT_H
#define BUFPOOL_BENCH_REPORT_H

#include "bench.h"
#include "compare.h"
#include "machine.h"

/* Everything a report shows. */
typedef struct report_ctx {
    const bench_config  *cfg;
    const machine_info  *machine;
    const point_result  *points;   /* those with at least one run */
    int                  npoints;
    int                  runs_done, runs_planned;
    int                  interrupted;   /* the signal that stopped it, or 0 */
    double               elapsed;       /* seconds */
    const cmp_report    *old;           /* --compare, or NULL */
} report_ctx;

/* Writes the report in format fmt.  Returns 0 or -1 when writing failed. */
int report_write(FILE *f, enum format fmt, const report_ctx *rc);

/* Writes each warning of the results (runs spread more than 10 %, a first
 * run that is an outlier) as a line: prefix, then the warning.  Returns
 * how many there are. */
int report_warnings(FILE *f, const report_ctx *rc, const char *prefix);

/* The name of percentile p in reports: "p50", "p99.9", "max" (csv: "p99_9"). */
const char *report_pct_name(char *b, size_t n, double p, bool csv);

#endif
