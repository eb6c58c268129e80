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

/* ",ratio", or "," when v is negative (unknown). */
void csv_ratio(FILE *f, double v);
/* "key": ratio (or null when v is negative), then sep. */
void json_ratio(FILE *f, const char *key, double v, const char *sep);

/* A JSON string literal (quotes included); NULL gives null. */
void json_str(FILE *f, const char *s);
/* "key": "value" (json_str) and then sep. */
void json_kv(FILE *f, const char *key, const char *v, const char *sep);
/* A CSV field: as is, or quoted when it holds a comma, quote or newline. */
void csv_str(FILE *f, const char *s);

#endif
