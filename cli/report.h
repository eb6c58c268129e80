/* report.h - writes the results as a table, CSV or JSON. */
#ifndef BUFPOOL_BENCH_REPORT_H
#define BUFPOOL_BENCH_REPORT_H

#include "bench.h"

/* Writes the report for n implementations (each with its runs and chosen
 * median) to f in cfg->format.  Returns 0 or -1 when writing failed. */
int report_write(FILE *f, const bench_config *cfg, const impl_result *res, int n);

#endif
