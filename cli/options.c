/* options.c - command-line parsing for bufpool-bench.
 *
 * Every value is parsed strictly: the whole argument must be a number in
 * range (no sign, no trailing garbage, no silent wrap-around), because a
 * benchmark that quietly runs something else than asked is worse than one
 * that refuses.  Each refusal is one line on stderr naming the option, the
 * value and what is accepted, and exit status 2. */
#define _GNU_SOURCE 1
#include "config.h"

#include "options.h"
#include "workload.h"

#include <bufpool.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_AVUTIL
#include <libavutil/avutil.h>
#endif

#define PROG "bufpool-bench"

#define MAX_SIZE     ((uint64_t)1 << 40)        /* 1 TiB */
#define MAX_OPS      ((uint64_t)1 << 50)
#define MAX_HOLD     4096u
#define MAX_REPEAT   1000
#define MAX_DURATION 86400.0
#define MAX_ALIGN    ((uint64_t)1 << 20)
#define MAX_DEPTH    65536u

#define NAVAILABLE bench_nimpls
#define available  bench_impls

/* Selectable only with BUFPOOL_BENCH_TESTING=1 (for the test suite). */
static const impl_ops *const testing[] = { &impl_broken, &impl_probe };
#define NTESTING (int)(sizeof testing / sizeof testing[0])

const char *options_impl_names(void)
{
    return bench_impl_names();
}

/* Long option table.  Every option has a short form too (--json, --compare
 * and --percentiles: -j, -C, -L). */
static const struct option longopts[] = {
    {"threads",     required_argument, NULL, 't'},
    {"size",        required_argument, NULL, 's'},
    {"ops",         required_argument, NULL, 'n'},
    {"duration",    required_argument, NULL, 'd'},
    {"warmup",      required_argument, NULL, 'w'},
    {"repeat",      required_argument, NULL, 'r'},
    {"hold",        required_argument, NULL, 'H'},
    {"depth",       required_argument, NULL, 'D'},
    {"planes",      required_argument, NULL, 'Y'},
    {"pools",       required_argument, NULL, 'R'},
    {"pattern",     required_argument, NULL, 'p'},
    {"touch",       required_argument, NULL, 'T'},
    {"seed",        required_argument, NULL, 'S'},
    {"max-buffers", required_argument, NULL, 'M'},
    {"min-buffers", required_argument, NULL, 'm'},
    {"align",       required_argument, NULL, 'a'},
    {"zero",        no_argument,       NULL, 'z'},
    {"poison",      no_argument,       NULL, 'Z'},
    {"cpus",        required_argument, NULL, 'c'},
    {"impl",        required_argument, NULL, 'i'},
    {"latency",     no_argument,       NULL, 'l'},
    {"per-thread",  no_argument,       NULL, 'P'},
    {"verify",      no_argument,       NULL, 'v'},
    {"format",      required_argument, NULL, 'f'},
    {"output",      required_argument, NULL, 'o'},
    {"json",        required_argument, NULL, 'j'},
    {"compare",     required_argument, NULL, 'C'},
    {"percentiles", required_argument, NULL, 'L'},
    {"quiet",       no_argument,       NULL, 'q'},
    {"help",        no_argument,       NULL, 'h'},
    {"version",     no_argument,       NULL, 'V'},
    {NULL, 0, NULL, 0},
};
static const char shortopts[] = ":t:s:n:d:w:r:H:D:Y:R:p:T:S:M:m:a:zZc:i:lPvf:o:j:C:L:qhV";

/* "-t/--threads" for messages. */
static const char *optname(int c)
{
    static char buf[48];
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == c) {
            snprintf(buf, sizeof buf, "-%c/--%s", c, o->name);
            return buf;
        }
    snprintf(buf, sizeof buf, "-%c", isprint(c) ? c : '?');
    return buf;
}

/* Prints one line on stderr: "bufpool-bench: " and the message, with
 * control characters (which a bad argument may contain) escaped, so that an
 * error is always exactly one line. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs(PROG ": ", stderr);
    for (const unsigned char *m = (const unsigned char *)msg; *m; m++) {
        if (*m == '\n')
            fputs("\\n", stderr);
        else if (*m < 0x20 || *m == 0x7f)
            fprintf(stderr, "\\x%02x", *m);
        else
            fputc(*m, stderr);
    }
    fputc('\n', stderr);
}

__attribute__((format(printf, 3, 4)))
static int bad(int c, const char *value, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    say("%s: invalid value '%s': %s", optname(c), value, why);
    return EXIT_USAGE;
}

/* Strict unsigned decimal: digits only, no sign or spaces, no overflow. */
static int parse_u64(const char *s, uint64_t *out, const char **end)
{
    if (!isdigit((unsigned char)s[0]))
        return -EINVAL;
    errno = 0;
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    *end = e;
    return 0;
}

static int parse_int_range(int c, const char *s, uint64_t lo, uint64_t hi,
                           uint64_t *out)
{
    const char *e;
    uint64_t v;
    if (parse_u64(s, &v, &e) < 0 || *e || v < lo || v > hi)
        return bad(c, s, "expected an integer from %" PRIu64 " to %" PRIu64,
                   lo, hi);
    *out = v;
    return -1;
}

/* One value of a -t or -s list: a count, or a byte count with a suffix. */
static int parse_item(bool bytes, const char *s, const char **end,
                      uint64_t *out)
{
    uint64_t v;
    if (parse_u64(s, &v, end) < 0)
        return -EINVAL;
    unsigned shift = 0;
    if (bytes) {
        const char *e = *end;
        switch (toupper((unsigned char)*e)) {
        case 'K': shift = 10; e++; break;
        case 'M': shift = 20; e++; break;
        case 'G': shift = 30; e++; break;
        case 'T': shift = 40; e++; break;
        default: break;
        }
        if (shift && (e[0] == 'i' || e[0] == 'I') && (e[1] == 'B' || e[1] == 'b'))
            e += 2;
        else if (shift && (e[0] == 'B' || e[0] == 'b'))
            e++;
        if (shift && v > (UINT64_MAX >> shift))
            return -ERANGE;
        *end = e;
    }
    *out = v << shift;
    return 0;
}

/* A byte count with an optional binary suffix K, M, G or T (also KiB...). */
static int parse_bytes(int c, const char *s, uint64_t lo, uint64_t hi,
                       const char *hi_name, uint64_t *out)
{
    const char *e;
    uint64_t v;
    if (parse_item(true, s, &e, &v) < 0 || *e || v < lo || v > hi)
        return bad(c, s, "expected a byte count from %" PRIu64 " to %s "
                   "(optional suffix K, M, G or T, powers of 1024)", lo,
                   hi_name);
    *out = v;
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* -t and -s: a value, a comma-separated list, or ranges A-B (threads: every
 * integer; sizes: A, 2A, 4A, ... up to B) and A-B:STEP (every STEP), mixed
 * freely: "1,2,4", "1-4", "64-1M", "4K-16K:4K".  Each value must be in
 * [lo, hi] and appear once; at most MAX_SWEEP values. */
static int parse_list(int c, const char *s, bool bytes, uint64_t lo,
                      uint64_t hi, const char *hi_name, uint64_t *vals, int *n)
{
    const char *what = bytes ? "a byte count" : "an integer";
    const char *note = bytes ? " (optional suffix K, M, G or T, powers of "
                               "1024)" : "";
    const char *range = bytes ? "64,4K,1M or a range like 64-1M (doubling) "
                                "or 4K-16K:4K"
                              : "1,2,4 or a range like 1-8 or 1-8:2";
    const char *p = s;
    *n = 0;
    for (;;) {
        uint64_t a, b, step = 0;
        const char *e;
        bool is_range = false;
        if (parse_item(bytes, p, &e, &a) < 0)
            goto syntax;
        b = a;
        if (*e == '-') {
            is_range = true;
            if (parse_item(bytes, e + 1, &e, &b) < 0)
                goto syntax;
            if (*e == ':') {
                if (parse_item(bytes, e + 1, &e, &step) < 0 || step == 0)
                    goto syntax;
            }
            if (b < a)
                return bad(c, s, "a range must go up (%" PRIu64 " > %" PRIu64
                           ")", a, b);
        }
        if (*e && *e != ',')
            goto syntax;
        if (a < lo || b > hi)
            return bad(c, s, "expected %s from %" PRIu64 " to %s%s, or a "
                       "list like %s", what, lo, hi_name, note, range);
        if (is_range && !bytes && !step)
            step = 1;
        for (uint64_t v = a;;) {
            if (*n == MAX_SWEEP)
                return bad(c, s, "at most %d values", MAX_SWEEP);
            vals[(*n)++] = v;
            if (!is_range)
                break;
            /* Doubling, or the step; stop before passing b (or wrapping). */
            uint64_t next = step ? v + step : v * 2;
            if (next <= v || next > b || (!step && v == 0))
                break;
            v = next;
        }
        if (!*e)
            break;
        p = e + 1;
    }
    /* Each value once: sorted, a repeat is next to its twin. */
    static uint64_t sorted[MAX_SWEEP];
    memcpy(sorted, vals, sizeof *vals * (size_t)*n);
    qsort(sorted, (size_t)*n, sizeof *sorted, cmp_u64);
    for (int i = 1; i < *n; i++)
        if (sorted[i] == sorted[i - 1])
            return bad(c, s, "%" PRIu64 " is listed twice", sorted[i]);
    return -1;
syntax:
    return bad(c, s, "expected %s from %" PRIu64 " to %s%s, or a list like %s",
               what, lo, hi_name, note, range);
}

/* --percentiles: a comma-separated list of percentiles above 0 and up to
 * 100, with at most 4 decimals, or "max" (= 100); sorted, each once. */
static int parse_percentiles(int c, const char *s, bench_config *cfg)
{
    const char *p = s;
    cfg->npct = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        double v;
        if (len == 3 && strncmp(p, "max", 3) == 0) {
            v = 100;
        } else {
            /* digits, at most one '.', at most 4 digits after it */
            size_t i = 0, dot = len, digits = 0;
            for (; i < len; i++) {
                if (p[i] == '.' && dot == len)
                    dot = i;
                else if (isdigit((unsigned char)p[i]))
                    digits++;
                else
                    break;
            }
            if (i < len || digits == 0 || (dot < len && len - dot - 1 > 4) ||
                len > 12)
                return bad(c, s, "expected a comma-separated list of "
                           "percentiles above 0 and up to 100 (at most 4 "
                           "decimals) or max, e.g. 50,99,99.9,max");
            char num[16];
            memcpy(num, p, len);
            num[len] = 0;
            v = strtod(num, NULL);
            if (!(v > 0 && v <= 100))
                return bad(c, s, "expected a comma-separated list of "
                           "percentiles above 0 and up to 100 (at most 4 "
                           "decimals) or max, e.g. 50,99,99.9,max");
        }
        for (int i = 0; i < cfg->npct; i++)
            if (cfg->pct[i] == v)
                return bad(c, s, "percentile %.4g is listed twice", v);
        if (cfg->npct == MAX_PCT)
            return bad(c, s, "at most %d percentiles", MAX_PCT);
        /* insertion in ascending order */
        int i = cfg->npct++;
        while (i > 0 && cfg->pct[i - 1] > v) {
            cfg->pct[i] = cfg->pct[i - 1];
            i--;
        }
        cfg->pct[i] = v;
        if (!p[len])
            return -1;
        p += len + 1;
    }
}

/* Seconds as a decimal number. */
static int parse_seconds(int c, const char *s, double lo, bool lo_open,
                         double *out)
{
    char *e;
    errno = 0;
    /* Plain decimal only: strtod would also take hex, "inf" and "nan". */
    bool plain = (isdigit((unsigned char)s[0]) || s[0] == '.') &&
                 s[strspn(s, "0123456789.eE+-")] == '\0';
    double v = plain ? strtod(s, &e) : NAN;
    if (isnan(v) || *e || errno == ERANGE || !isfinite(v) ||
        v < lo || (lo_open && v == lo) || v > MAX_DURATION)
        return bad(c, s, "expected seconds, a number %s %g and at most %g",
                   lo_open ? "above" : "from", lo, MAX_DURATION);
    *out = v;
    return -1;
}

/* --planes LIST: the decoder's plane sizes, comma-separated byte counts. */
static int parse_planes(int c, const char *s, bench_config *cfg)
{
    const char *p = s;
    int n = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        char one[64];
        uint64_t v;
        const char *e;
        if (len == 0 || len >= sizeof one || n == MAX_PLANES)
            return bad(c, s, "expected 1 to %d comma-separated byte counts "
                       "from 1 to 1G (optional suffix K, M or G), e.g. "
                       "921600,230400,230400", MAX_PLANES);
        memcpy(one, p, len);
        one[len] = '\0';
        /* parse_bytes's own message would name only this element. */
        if (parse_item(true, one, &e, &v) < 0 || *e ||
            v < 1 || v > ((uint64_t)1 << 30))
            return bad(c, s, "expected 1 to %d comma-separated byte counts "
                       "from 1 to 1G (optional suffix K, M or G), e.g. "
                       "921600,230400,230400", MAX_PLANES);
        cfg->planes[n++] = (size_t)v;
        if (!p[len])
            break;
        p += len + 1;
    }
    cfg->nplanes = n;
    return -1;
}

/* --cpus LIST: "0,2" or "0-3" or a mix; every CPU must be one this process
 * may run on. */
static int parse_cpus(int c, const char *s, bench_config *cfg)
{
#if defined(HAVE_PTHREAD_SETAFFINITY_NP) && defined(HAVE_SCHED_GETAFFINITY)
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return bad(c, s, "cannot read this process's CPU set");
    /* What the message offers as accepted: the allowed CPUs as a list. */
    char avail[128] = "";
    size_t al = 0;
    for (int i = 0; i < CPU_SETSIZE && al + 16 < sizeof avail; i++) {
        if (!CPU_ISSET(i, &allowed))
            continue;
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &allowed))
            j++;
        al += (size_t)snprintf(avail + al, sizeof avail - al, "%s%d", al ? "," : "", i);
        if (j > i)
            al += (size_t)snprintf(avail + al, sizeof avail - al, "-%d", j);
        i = j;
    }
    const char *p = s;
    int n = 0;
    if (!*p)
        return bad(c, s, "expected a CPU list like 0,1 or 0-3 (available: %s)", avail);
    for (;;) {
        uint64_t a, b;
        const char *e;
        if (parse_u64(p, &a, &e) < 0)
            return bad(c, s, "expected a CPU list like 0,1 or 0-3 (available: %s)", avail);
        b = a;
        if (*e == '-') {
            if (parse_u64(e + 1, &b, &e) < 0 || b < a)
                return bad(c, s, "expected a CPU list like 0,1 or 0-3 (available: %s)", avail);
        }
        if (*e && *e != ',')
            return bad(c, s, "expected a CPU list like 0,1 or 0-3 (available: %s)", avail);
        for (uint64_t i = a; i <= b; i++) {
            if (i >= CPU_SETSIZE || !CPU_ISSET((int)i, &allowed))
                return bad(c, s, "CPU %" PRIu64 " does not exist or is not "
                           "available to this process (available: %s)", i, avail);
            if (n == MAX_THREADS)
                return bad(c, s, "at most %d CPUs", MAX_THREADS);
            cfg->cpus[n++] = (int)i;
        }
        if (!*e)
            break;
        p = e + 1;
    }
    cfg->ncpus = n;
    return -1;
#else
    (void)cfg;
    return bad(c, s, "thread pinning is not supported on this system");
#endif
}

static int parse_impls(int c, const char *s, bench_config *cfg)
{
    cfg->nimpls = 0;
    if (strcmp(s, "all") == 0) {
        for (int i = 0; i < NAVAILABLE; i++)
            cfg->impls[cfg->nimpls++] = available[i];
        return -1;
    }
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        const impl_ops *found = NULL;
        for (int i = 0; i < NAVAILABLE; i++)
            if (strlen(available[i]->name) == len &&
                strncmp(available[i]->name, p, len) == 0)
                found = available[i];
        const char *t = getenv("BUFPOOL_BENCH_TESTING");
        for (int i = 0; !found && t && strcmp(t, "1") == 0 &&
                        i < NTESTING; i++)
            if (strlen(testing[i]->name) == len &&
                strncmp(testing[i]->name, p, len) == 0)
                found = testing[i];
#ifndef HAVE_AVUTIL
        if (!found && len == 6 && strncmp(p, "ffmpeg", 6) == 0)
            return bad(c, s, "this bufpool-bench was built without libavutil "
                       "(configure --with-libavutil); available: all, %s",
                       options_impl_names());
#endif
#ifndef BENCH_DPDK
        if (!found && len == 4 && strncmp(p, "dpdk", 4) == 0)
            return bad(c, s, "this bufpool-bench was built without DPDK "
                       "(configure --with-dpdk); available: all, %s",
                       options_impl_names());
#endif
#ifndef BENCH_GSTREAMER
        if (!found && len == 9 && strncmp(p, "gstreamer", 9) == 0)
            return bad(c, s, "this bufpool-bench was built without GStreamer "
                       "(configure --with-gstreamer); available: all, %s",
                       options_impl_names());
#endif
        if (!found)
            return bad(c, s, "unknown implementation '%.*s'; expected a "
                       "comma-separated list of: all, %s", (int)len, p,
                       options_impl_names());
        for (int i = 0; i < cfg->nimpls; i++)
            if (cfg->impls[i] == found)
                return bad(c, s, "'%s' is listed twice", found->name);
        if (cfg->nimpls == MAX_IMPLS)
            return bad(c, s, "too many implementations");
        cfg->impls[cfg->nimpls++] = found;
        if (!p[len])
            break;
        p += len + 1;
    }
    return -1;
}

static int pick(int c, const char *s, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return -1;
        }
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < n)
            strncat(list, i + 2 < n ? ", " : " or ", sizeof list - strlen(list) - 1);
    }
    return bad(c, s, "expected %s", list);
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"  or:  " PROG " --compare OLD.json NEW.json [-f F] [-o FILE]\n"
"Benchmark multi-threaded get/release of fixed-size buffers: bufpool against\n"
"malloc, FFmpeg's AVBufferPool and other peers, the same workload side by\n"
"side, every run in a fresh child process.\n"
"\n"
"Workload:\n"
"  -t, --threads LIST    threads (default: the CPUs in --cpus, else all online\n"
"                        CPUs; decoder: the workers, plus one output thread);\n"
"                        a list or range sweeps: 1,2,4  1-8  1-8:2\n"
"  -s, --size LIST       buffer size, suffix K, M, G or T (default 1M); a list\n"
"                        or range sweeps: 64,4K,1M  64-1M (doubling)  4K-16K:4K\n"
"                        (-t and -s lists: one row per combination)\n"
"  -n, --ops N           get+release pairs per thread (pipeline: per producer;\n"
"                        decoder: frames per worker)\n"
"  -d, --duration SEC    measured seconds per run (default 2; excludes --ops)\n"
"  -w, --warmup SEC      unmeasured seconds before each run on the same pool\n"
"                        (default: 10%% of --duration, 0 with --ops)\n"
"  -r, --repeat N        runs per implementation, interleaved; report the\n"
"                        median, spread and every run (default 1)\n"
"  -H, --hold N          buffers each thread holds before releasing (default 4)\n"
"  -D, --depth N         pipeline: each producer's queue (default: --hold);\n"
"                        decoder: the reorder queue (default: 2 x threads)\n"
"  -p, --pattern P       local | pipeline | random | decoder (default local)\n"
"  -Y, --planes LIST     decoder: the pools of a frame, their buffer sizes\n"
"                        (default 921600,230400,230400: 720p yuv420p)\n"
"  -R, --pools N         decoder: N resolutions at once, each with its own\n"
"                        pools; resolution k's planes are (4 + k) / 4 times\n"
"                        --planes (default 1)\n"
"  -T, --touch T         none | first | all: write nothing, one byte, or one byte\n"
"                        per 64-byte line of each buffer got (default first)\n"
"  -S, --seed N          seed for the random pattern (default 1)\n"
"  -c, --cpus LIST       pin thread i to the i-th CPU of LIST, e.g. 0,1 or 0-3\n"
"\n"
"Implementations:\n"
"  -i, --impl LIST       comma-separated: all or of\n"
"                        %s\n"
"                        (default: bufpool, malloc and ffmpeg, those built)\n"
"  -M, --max-buffers N   bufpool: cap on buffers allocated at once (default 0: none)\n"
"  -m, --min-buffers N   bufpool: buffers allocated up front (default 0)\n"
"  -a, --align N         bufpool and malloc: alignment, a power of two\n"
"  -z, --zero            every buffer handed out is zero-filled (all)\n"
"  -Z, --poison          bufpool: BP_POOL_POISON, released buffers are filled\n"
"                        with 0xA5 (and poisoned for AddressSanitizer)\n"
"\n"
"Report:\n"
"  -l, --latency         sampled get and release latency percentiles\n"
"  -L, --percentiles LIST  which ones (implies -l; default 50,90,99,99.9,max)\n"
"  -P, --per-thread      a row per thread\n"
"  -v, --verify          token-check every buffer: exit 1 if one was handed to\n"
"                        two holders at once\n"
"  -f, --format F        table | csv | json (default: from -o FILE's .csv or\n"
"                        .json suffix, else table on a terminal or in a file,\n"
"                        json when stdout is a pipe or file)\n"
"  -o, --output FILE     write the report to FILE instead of stdout (replaced\n"
"                        when the run ends; a partial report on Ctrl-C)\n"
"  -j, --json FILE       also write the JSON report to FILE\n"
"  -C, --compare OLD.json  add each row's ratio against a saved JSON report;\n"
"                        with NEW.json: compare two saved reports, run nothing\n"
"  -q, --quiet           no progress line, no warnings on stderr\n"
"  -h, --help            this help, then exit\n"
"  -V, --version         version and build, then exit\n"
"\n"
"Exit status: 0 success, 1 run-time failure (allocation failed, verify\n"
"mismatch), 2 bad usage, 130 interrupted (the report so far is written).\n"
"See bufpool-bench(1).\n",
    options_impl_names());
}

static void version(void)
{
    printf(PROG " %s (libbufpool %s)\n", PACKAGE_VERSION, bp_version());
#ifdef HAVE_AVUTIL
    unsigned v = avutil_version();
    printf("ffmpeg baseline: libavutil %u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
#else
    printf("ffmpeg baseline: not built\n");
#endif
    for (int i = 0; i < bench_nimpls; i++)
        if (bench_impls[i]->version)
            printf("%s peer: %s\n", bench_impls[i]->name,
                   bench_impls[i]->version());
    printf("implementations: %s\n", options_impl_names());
}

static bool is_tty(FILE *f)
{
    return isatty(fileno(f)) == 1;
}

int options_parse(int argc, char **argv, bench_config *cfg)
{
    static const char *const pattern_names[] = {"local", "pipeline", "random",
                                                "decoder"};
    static const char *const touch_names[] = {"none", "first", "all"};
    static const char *const format_names[] = {"table", "csv", "json"};
    bool threads_set = false, ops_set = false, duration_set = false;
    bool warmup_set = false, format_set = false;
    bool size_set = false, depth_set = false, planes_set = false, pools_set = false;
    const char *duration_arg = NULL, *size_arg = "1M";
    const char *depth_arg = NULL, *planes_arg = NULL, *pools_arg = NULL;
    static uint64_t list[MAX_SWEEP];
    int nlist;
    uint64_t v;
    int r, sel;
    /* Options that make no sense when comparing two saved reports. */
    int run_opt = 0;

    memset(cfg, 0, sizeof *cfg);
    cfg->size = 1 << 20;
    cfg->sizes[0] = cfg->size;
    cfg->nsizes = 1;
    static const double default_pct[] = {50, 90, 99, 99.9, 100};
    cfg->npct = (int)(sizeof default_pct / sizeof default_pct[0]);
    memcpy(cfg->pct, default_pct, sizeof default_pct);
    cfg->duration = 2.0;
    cfg->repeat = 1;
    cfg->hold = 4;
    cfg->pattern = PAT_LOCAL;
    cfg->touch = TOUCH_FIRST;
    cfg->seed = 1;
    for (int i = 0; i < bench_ndefault; i++)
        cfg->impls[cfg->nimpls++] = available[i];
    cfg->nplanes = 3;                   /* 1280x720 yuv420p */
    cfg->planes[0] = 1280 * 720;
    cfg->planes[1] = cfg->planes[2] = 640 * 360;
    cfg->resolutions = 1;

    opterr = 0;     /* our own one-line messages */
    /* 0, not 1: glibc then fully re-initialises getopt, so a second call
     * does not resume inside the previous argv. */
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const char *a = optarg;
        r = -1;
        if (!strchr("foqCj:?hV", c) && !run_opt)
            run_opt = c;
        switch (c) {
        case 't':
            r = parse_list(c, a, false, 1, MAX_THREADS, "1024", list, &nlist);
            for (int i = 0; r < 0 && i < nlist; i++)
                cfg->threads_list[i] = (int)list[i];
            cfg->nthreads_list = nlist;
            threads_set = true;
            break;
        case 's':
            r = parse_list(c, a, true, 1, MAX_SIZE, "1T", list, &nlist);
            for (int i = 0; r < 0 && i < nlist; i++)
                cfg->sizes[i] = (size_t)list[i];
            cfg->nsizes = nlist;
            size_arg = a;
            size_set = true;
            break;
        case 'n':
            r = parse_int_range(c, a, 1, MAX_OPS, &cfg->ops);
            ops_set = true;
            break;
        case 'd':
            r = parse_seconds(c, a, 0, true, &cfg->duration);
            duration_set = true;
            duration_arg = a;
            break;
        case 'w':
            r = parse_seconds(c, a, 0, false, &cfg->warmup);
            warmup_set = true;
            break;
        case 'r':
            r = parse_int_range(c, a, 1, MAX_REPEAT, &v);
            cfg->repeat = (int)v;
            break;
        case 'H':
            r = parse_int_range(c, a, 1, MAX_HOLD, &v);
            cfg->hold = (unsigned)v;
            break;
        case 'D':
            r = parse_int_range(c, a, 1, MAX_DEPTH, &v);
            cfg->depth = (unsigned)v;
            depth_set = true;
            depth_arg = a;
            break;
        case 'Y':
            r = parse_planes(c, a, cfg);
            planes_set = true;
            planes_arg = a;
            break;
        case 'R':
            r = parse_int_range(c, a, 1, MAX_RESOLUTIONS, &v);
            cfg->resolutions = (int)v;
            pools_set = true;
            pools_arg = a;
            break;
        case 'p':
            r = pick(c, a, pattern_names, 4, &sel);
            cfg->pattern = (enum pattern)sel;
            break;
        case 'T':
            r = pick(c, a, touch_names, 3, &sel);
            cfg->touch = (enum touch)sel;
            break;
        case 'S':
            r = parse_int_range(c, a, 0, UINT64_MAX, &cfg->seed);
            break;
        case 'M':
            r = parse_int_range(c, a, 0, BP_POOL_MAX_BUFFERS, &v);
            cfg->max_buffers = (size_t)v;
            break;
        case 'm':
            r = parse_int_range(c, a, 0, BP_POOL_MAX_BUFFERS, &v);
            cfg->min_buffers = (size_t)v;
            break;
        case 'a':
            r = parse_bytes(c, a, 0, MAX_ALIGN, "1M", &v);
            if (r < 0 && (v & (v - 1)) != 0)
                r = bad(c, a, "expected 0 or a power of two up to 1M");
            cfg->align = (size_t)v;
            break;
        case 'z': cfg->zero = true; break;
        case 'Z': cfg->poison = true; break;
        case 'c': r = parse_cpus(c, a, cfg); break;
        case 'i': r = parse_impls(c, a, cfg); break;
        case 'l': cfg->latency = true; break;
        case 'P': cfg->per_thread = true; break;
        case 'v': cfg->verify = true; break;
        case 'f':
            r = pick(c, a, format_names, 3, &sel);
            cfg->format = (enum format)sel;
            format_set = true;
            break;
        case 'o':
            if (!*a)
                r = bad(c, a, "expected a file name");
            cfg->output = a;
            break;
        case 'j':
            if (!*a)
                r = bad(c, a, "expected a file name");
            cfg->json_output = a;
            break;
        case 'C':
            if (!*a)
                r = bad(c, a, "expected the file name of a JSON report "
                        "(from --json or --format json)");
            cfg->compare = a;
            break;
        case 'L':
            r = parse_percentiles(c, a, cfg);
            cfg->latency = true;
            break;
        case 'q': cfg->quiet = true; break;
        case 'h': usage(stdout); return EXIT_OK;
        case 'V': version(); return EXIT_OK;
        case ':':
            say("option %s needs a value (see --help)",
                optopt ? optname(optopt) : argv[optind - 1]);
            return EXIT_USAGE;
        default: /* '?' */
            if (optopt)
                say("unknown option '-%c' (see --help)",
                    isprint(optopt) ? optopt : '?');
            else
                say("unknown or ambiguous option '%s' (see --help)",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (r >= 0)
            return r;
    }
    /* One argument, only with --compare: the newer of two saved reports. */
    if (optind < argc && cfg->compare && !cfg->compare_new && argv[optind][0]) {
        cfg->compare_new = argv[optind++];
    }
    if (optind < argc) {
        say("unexpected argument '%s' (options only, or --compare OLD.json "
            "NEW.json; see --help)", argv[optind]);
        return EXIT_USAGE;
    }
    if (cfg->compare_new) {
        if (run_opt) {
            const char *name = optname(run_opt);
            say("%s: not with --compare OLD.json NEW.json, which compares "
                "two saved reports without running anything", name);
            return EXIT_USAGE;
        }
        if (cfg->json_output) {
            say("-j/--json: not with --compare OLD.json NEW.json (use "
                "--format json)");
            return EXIT_USAGE;
        }
    }

    /* Combinations. */
    if (ops_set && duration_set)
        return bad('d', duration_arg, "-n/--ops and -d/--duration exclude "
                   "each other");
    if (ops_set)
        cfg->duration = 0;
    if (!warmup_set)
        cfg->warmup = ops_set ? 0 : cfg->duration / 10;
    bool decoder = cfg->pattern == PAT_DECODER;
    if (!threads_set) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        int t = cfg->ncpus ? cfg->ncpus : (n > 0 ? (int)n : 1);
        if (t > MAX_THREADS - decoder)
            t = MAX_THREADS - decoder;
        cfg->threads_list[0] = t;
        cfg->nthreads_list = 1;
    }
    for (int i = 0; decoder && i < cfg->nthreads_list; i++)
        if (cfg->threads_list[i] > MAX_THREADS - 1) {
            char t[24];
            snprintf(t, sizeof t, "%d", cfg->threads_list[i]);
            return bad('t', t, "--pattern decoder runs the workers and an "
                       "output thread: at most %d workers", MAX_THREADS - 1);
        }
    if (decoder && size_set)
        return bad('s', size_arg, "--pattern decoder takes its buffer sizes "
                   "from -Y/--planes");
    if (!decoder && planes_set)
        return bad('Y', planes_arg, "only with --pattern decoder");
    if (!decoder && pools_set)
        return bad('R', pools_arg, "only with --pattern decoder");
    if (depth_set && (cfg->pattern == PAT_LOCAL || cfg->pattern == PAT_RANDOM))
        return bad('D', depth_arg, "only with --pattern pipeline or decoder");
    /* Unset, the decoder's depth follows each point's threads (shape.c). */
    if (!depth_set && !decoder)
        cfg->depth = cfg->hold;
    if (decoder) {
        /* The report's size: one frame of resolution 0. */
        cfg->sizes[0] = 0;
        for (int i = 0; i < cfg->nplanes; i++)
            cfg->sizes[0] += cfg->planes[i];
    }
    /* The first point; main.c sets each point in turn.  The checks below
     * hold for every point: they use the most threads and the biggest size. */
    cfg->threads = cfg->threads_list[0];
    cfg->size = cfg->sizes[0];
    int min_threads = MAX_THREADS, max_threads = 1;
    size_t max_size = 1;
    for (int i = 0; i < cfg->nthreads_list; i++) {
        if (cfg->threads_list[i] < min_threads)
            min_threads = cfg->threads_list[i];
        if (cfg->threads_list[i] > max_threads)
            max_threads = cfg->threads_list[i];
    }
    for (int i = 0; i < cfg->nsizes; i++)
        if (cfg->sizes[i] > max_size)
            max_size = cfg->sizes[i];
    if (cfg->pattern == PAT_PIPELINE && min_threads < 2) {
        char t[24];
        snprintf(t, sizeof t, "%d", min_threads);
        return bad('t', t, "--pattern pipeline needs at least 2 threads "
                   "(producers and consumers)");
    }
    if (cfg->max_buffers && cfg->min_buffers > cfg->max_buffers) {
        char t[24];
        snprintf(t, sizeof t, "%zu", cfg->min_buffers);
        return bad('m', t, "must not exceed -M/--max-buffers (%zu)",
                   cfg->max_buffers);
    }
    /* The checks below see the biggest point: its threads and size. */
    cfg->threads = max_threads;
    cfg->size = max_size;
    /* The most buffers of one pool the workload holds at once. */
    uint64_t need = workload_pool_held(cfg);
    if (cfg->max_buffers && cfg->max_buffers < need) {
        /* A get beyond the cap could never be served. */
        char t[24];
        snprintf(t, sizeof t, "%zu", cfg->max_buffers);
        return bad('M', t, "this workload holds up to %" PRIu64
                   " buffers %sat once; use at least that, or 0", need,
                   decoder ? "of a pool " : "");
    }
    /* Refuse a workload that cannot fit in memory rather than let it
     * thrash the machine or meet the OOM killer. */
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0) {
        double ram = (double)pages * (double)psize;
        double held = workload_held_bytes(cfg);
        if (held > ram && decoder)
            return bad('Y', planes_arg ? planes_arg : "921600,230400,230400",
                       "this workload holds up to %.3g bytes at once, more "
                       "than this machine's memory (%.3g bytes)", held, ram);
        if (held > ram)
            return bad('s', size_arg, "this workload holds up to %" PRIu64 " buffers "
                       "at once (%.3g bytes), more than this machine's memory "
                       "(%.3g bytes)", need, held, ram);
    }
    /* What an implementation cannot run (e.g. dpdk: more threads than
     * lcores). */
    for (int i = 0; i < cfg->nimpls; i++) {
        const char *why = cfg->impls[i]->check ? cfg->impls[i]->check(cfg) : NULL;
        if (why) {
            say("-i/--impl %s: %s", cfg->impls[i]->name, why);
            return EXIT_USAGE;
        }
    }
    cfg->threads = cfg->threads_list[0];
    cfg->size = cfg->sizes[0];
    if (!format_set) {
        const char *dot = cfg->output ? strrchr(cfg->output, '.') : NULL;
        if (dot && strcmp(dot, ".csv") == 0)
            cfg->format = FMT_CSV;
        else if (dot && strcmp(dot, ".json") == 0)
            cfg->format = FMT_JSON;
        else if (cfg->output || is_tty(stdout))
            cfg->format = FMT_TABLE;
        else
            cfg->format = FMT_JSON;
    }
    return -1;
}
