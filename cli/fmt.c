/* fmt.c - number and string formatting shared by the reports. */
#include "config.h"

#include "fmt.h"

#include <string.h>

const char *fmt_count(char *b, size_t n, double v)
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

const char *fmt_bytes(char *b, size_t n, double v)
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

/* Two decimals, and two significant digits below 0.1, so that 0.004x does
 * not print as 0.00x. */
static const char *ratio_num(char *b, size_t n, double v)
{
    if (v >= 100)
        snprintf(b, n, "%.0f", v);
    else if (v >= 10)
        snprintf(b, n, "%.1f", v);
    else if (v >= 0.1 || v == 0)
        snprintf(b, n, "%.2f", v);
    else
        snprintf(b, n, "%#.2g", v);
    return b;
}

const char *fmt_ratio(char *b, size_t n, double v)
{
    char t[32];
    if (v < 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%sx", ratio_num(t, sizeof t, v));
    return b;
}

const char *fmt_ratio_range(char *b, size_t n, double lo, double hi)
{
    char t[32], u[32];
    if (lo < 0 || hi < 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%s-%sx", ratio_num(t, sizeof t, lo),
                 ratio_num(u, sizeof u, hi));
    return b;
}

const char *fmt_ratio_num(char *b, size_t n, double v)
{
    snprintf(b, n, "%.6g", v);
    if (!strpbrk(b, ".eEn") && strlen(b) + 3 <= n)
        strcat(b, ".0");
    return b;
}

void csv_ratio(FILE *f, double v)
{
    char b[32];
    if (v >= 0)
        fprintf(f, ",%s", fmt_ratio_num(b, sizeof b, v));
    else
        fputs(",", f);
}

void json_ratio(FILE *f, const char *key, double v, const char *sep)
{
    char b[32];
    if (v >= 0)
        fprintf(f, "\"%s\": %s%s", key, fmt_ratio_num(b, sizeof b, v), sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void json_kv(FILE *f, const char *key, const char *v, const char *sep)
{
    fprintf(f, "\"%s\": ", key);
    json_str(f, v);
    fputs(sep, f);
}

void csv_str(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
