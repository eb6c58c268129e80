/* fuzz_cli.c - libFuzzer harness for bufpool-bench's option parser.
 *
 * The input is split at NUL bytes into arguments (argv[0] is
 * "bufpool-bench"; at most MAX_ARGS); the first byte, if it is below 0x20,
 * is a control byte instead: bit 0 sets BUFPOOL_BENCH_TESTING=1 (which
 * makes --impl broken and probe selectable).  options_parse() (cli/options.c) is
 * called with stdout and stderr redirected to memory streams, and must:
 *   - return -1 (go on), 0 (after --help/--version) or 2 (bad usage);
 *   - on 2: have written exactly one line to stderr, starting with
 *     "bufpool-bench: " (the parser escapes control characters of the
 *     values it quotes), and nothing to stdout;
 *   - on 0: have written the help or version to stdout, nothing to stderr;
 *   - on -1: have written nothing, and filled a configuration within the
 *     documented ranges.
 * Never crash, of course (ASan, UBSan).  */
#include "config.h"

#include "fuzz.h"
#include "options.h"

#include <bufpool.h>

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ARGS 64

__attribute__((noreturn, format(printf, 2, 3)))
static void fail(int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz_cli: invariant failed at %s:%d: ", __FILE__, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

#define REQUIRE(cond, fmt, ...)                                               \
    do {                                                                      \
        if (!(cond))                                                          \
            fail(__LINE__, "%s" fmt, #cond, ##__VA_ARGS__);                  \
    } while (0)

static bool is_pow2_or_0(size_t v)
{
    return (v & (v - 1)) == 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static void check_config(const bench_config *c)
{
    REQUIRE(c->nthreads_list >= 1 && c->nthreads_list <= MAX_SWEEP, " (%d)",
            c->nthreads_list);
    REQUIRE(c->nsizes >= 1 && c->nsizes <= MAX_SWEEP, " (%d)", c->nsizes);
    static bool seen[MAX_THREADS + 1];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < c->nthreads_list; i++) {
        int t = c->threads_list[i];
        REQUIRE(t >= 1 && t <= MAX_THREADS, " (%d)", t);
        REQUIRE(c->pattern != PAT_PIPELINE || t >= 2, "");
        REQUIRE(!seen[t], " (%d twice)", t);
        seen[t] = true;
    }
    static size_t sorted[MAX_SWEEP];
    memcpy(sorted, c->sizes, sizeof *sorted * (size_t)c->nsizes);
    qsort(sorted, (size_t)c->nsizes, sizeof *sorted, cmp_size);
    for (int i = 0; i < c->nsizes; i++) {
        REQUIRE(sorted[i] >= 1 && sorted[i] <= ((size_t)1 << 40), " (%zu)",
                sorted[i]);
        REQUIRE(i == 0 || sorted[i] != sorted[i - 1], " (%zu twice)", sorted[i]);
    }
    REQUIRE(c->threads == c->threads_list[0] && c->size == c->sizes[0], "");
    REQUIRE(c->npct >= 1 && c->npct <= MAX_PCT, " (%d)", c->npct);
    for (int i = 0; i < c->npct; i++)
        REQUIRE(c->pct[i] > 0 && c->pct[i] <= 100 &&
                (i == 0 || c->pct[i - 1] < c->pct[i]), " (%g)", c->pct[i]);
    REQUIRE(!c->json_output || c->json_output[0], "");
    REQUIRE(!c->compare || c->compare[0], "");
    REQUIRE(!c->compare_new || c->compare, "");
    REQUIRE(c->repeat >= 1 && c->repeat <= 1000, " (%d)", c->repeat);
    REQUIRE(c->hold >= 1 && c->hold <= 4096, " (%u)", c->hold);
    REQUIRE(c->pattern <= PAT_DECODER && c->touch <= TOUCH_ALL &&
            c->format <= FMT_JSON, "");
    REQUIRE(c->duration >= 0 && c->duration <= 86400, " (%g)", c->duration);
    REQUIRE((c->ops == 0) == (c->duration > 0), " (ops %llu, duration %g)",
            (unsigned long long)c->ops, c->duration);
    REQUIRE(c->warmup >= 0 && c->warmup <= 86400, " (%g)", c->warmup);
    REQUIRE(c->nimpls >= 1 && c->nimpls <= MAX_IMPLS, " (%d)", c->nimpls);
    for (int i = 0; i < c->nimpls; i++) {
        REQUIRE(c->impls[i] != NULL && c->impls[i]->name != NULL, "");
        for (int j = 0; j < i; j++)
            REQUIRE(c->impls[i] != c->impls[j], " (%s twice)",
                    c->impls[i]->name);
    }
    REQUIRE(is_pow2_or_0(c->align) && c->align <= ((size_t)1 << 20), " (%zu)",
            c->align);
    REQUIRE(c->max_buffers <= BP_POOL_MAX_BUFFERS &&
            c->min_buffers <= BP_POOL_MAX_BUFFERS, "");
    REQUIRE(!c->max_buffers || c->min_buffers <= c->max_buffers, "");
    REQUIRE(c->ncpus >= 0 && c->ncpus <= MAX_THREADS, " (%d)", c->ncpus);
    REQUIRE(!c->output || c->output[0], "");
}

/* Forgets getopt's position inside a previous argv: options_parse() resets
 * optind to 1 only, which leaves glibc's pointer into the previous call's
 * argument ("-hz" stopped at 'h' leaves it at "z") - memory this harness
 * has freed.  optind = 0 makes glibc re-initialise. */
static void reset_getopt(void)
{
    static char arg0[] = "x";
    char *argv[] = {arg0, NULL};
    optind = 0;
    opterr = 0;
    (void)getopt(1, argv, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bench_config cfg;    /* large: not on the stack */
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    bool testing = false;

    if (size && data[0] < 0x20) {
        testing = data[0] & 1;
        data++;
        size--;
    }
    /* One copy of the input, NUL-terminated, split in place. */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    static char prog[] = "bufpool-bench";
    argv[argc++] = prog;
    for (size_t i = 0; i < size && argc <= MAX_ARGS; ) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    if (testing)
        setenv("BUFPOOL_BENCH_TESTING", "1", 1);
    else
        unsetenv("BUFPOOL_BENCH_TESTING");

    char *out = NULL, *err = NULL;
    size_t outn = 0, errn = 0;
    FILE *saved_out = stdout, *saved_err = stderr;
    FILE *mout = open_memstream(&out, &outn);
    FILE *merr = open_memstream(&err, &errn);
    if (!mout || !merr)
        abort();
    reset_getopt();
    stdout = mout;
    stderr = merr;
    int rc = options_parse(argc, argv, &cfg);
    stdout = saved_out;
    stderr = saved_err;
    fclose(mout);
    fclose(merr);

    REQUIRE(rc == -1 || rc == 0 || rc == 2, " (%d)", rc);
    if (rc == 2) {
        static const char prefix[] = "bufpool-bench: ";
        size_t lines = 0;
        for (size_t i = 0; i < errn; i++)
            lines += err[i] == '\n';
        REQUIRE(errn > sizeof prefix && err[errn - 1] == '\n',
                " (message: \"%s\")", err);
        REQUIRE(strlen(err) == errn, " (a NUL in the message)");
        REQUIRE(strncmp(err, prefix, sizeof prefix - 1) == 0,
                " (message: \"%s\")", err);
        REQUIRE(lines == 1, " (%zu lines: \"%s\")", lines, err);
        REQUIRE(outn == 0, " (stdout: \"%s\")", out);
    } else if (rc == 0) {
        REQUIRE(errn == 0, " (stderr: \"%s\")", err);
        REQUIRE(outn > 0, "");
    } else {
        REQUIRE(errn == 0, " (stderr: \"%s\")", err);
        REQUIRE(outn == 0, " (stdout: \"%s\")", out);
        check_config(&cfg);
    }
    free(out);
    free(err);
    free(buf);
    return 0;
}
