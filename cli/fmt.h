/* fmt.h - number and string formatting shared by the reports. */
#ifndef BUFPOOL_BENCH_FMT_H
#define BUFPOOL_BENCH_FMT_H

#include <stddef.h>
#include <stdio.h>

/* Human-readable figures for tables; a negative value gives "-". */
const char *fmt_count(char *b, size_t n, double v);   /* 12.34 M */
const char *fmt_bytes(char *b, size_t n, double v);   /* 4.0 KiB */
const char *fmt_ratio(char *b, size_t n, double v);   /* 1.23x, 0.00512x */
/* "1.2-3.4x" (the unit once), or "-" when either end is negative. */
const char *fmt_ratio_range(char *b, size_t n, double lo, double hi);

/* A ratio for CSV and JSON: 6 significant digits (0.00668219, 12.3457),
 * always with a decimal point so that JSON readers see a float. */
const char *fmt_ratio_num(char *b, size_t n, double v);

/* A JSON string literal (quotes included); NULL gives null. */
void json_str(FILE *f, const char *s);
/* A CSV field: as is, or quoted when it holds a comma, quote or newline. */
void csv_str(FILE *f, const char *s);

#endif
