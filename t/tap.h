/* tap.h - a minimal TAP producer for the C tests (header only).
 *
 *   ok(cond, "name %d", i);  is_int(got, want, "name");  is_ptr(...);
 *   is_str(...);  is_u64(...);  diag("...");  skip(n, "why");
 *   return done_testing();
 *
 * Results are printed as they happen, the plan at the end.  Not thread
 * safe: threads should record failures and let the main thread report. */
#ifndef BUFPOOL_TAP_H
#define BUFPOOL_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_UNUSED __attribute__((unused))

/* kept(p, n): the test reads what a pool buffer's last user left there, on
 * purpose.  Under memcheck a buffer a pool hands out is undefined, as one
 * from malloc (lib/checkers.h); this says its bytes are the old ones.
 * Needs config.h first. */
#ifdef HAVE_VALGRIND_MEMCHECK_H
#  include <valgrind/memcheck.h>
#  define kept(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#  define kept(p, n) ((void)(p), (void)(n))
#endif

static int tap_count, tap_failed;

TAP_UNUSED static void tap_vresult(int pass, const char *file, int line,
                        const char *fmt, va_list ap)
{
    ++tap_count;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   Failed test at %s line %d\n", file, line);
    }
    fflush(stdout);
}

TAP_UNUSED static int tap_result(int pass, const char *file, int line,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vresult(pass, file, line, fmt, ap);
    va_end(ap);
    return pass;
}

TAP_UNUSED static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                              \
    do {                                                                    \
        long long g_ = (long long)(got), w_ = (long long)(want);            \
        if (!tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))         \
            diag("     got: %lld\n#     expected: %lld", g_, w_);          \
    } while (0)

#define is_u64(got, want, ...)                                              \
    do {                                                                    \
        unsigned long long g_ = (unsigned long long)(got),                  \
                           w_ = (unsigned long long)(want);                 \
        if (!tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))         \
            diag("     got: %llu\n#     expected: %llu", g_, w_);          \
    } while (0)

#define is_ptr(got, want, ...)                                              \
    do {                                                                    \
        const void *g_ = (const void *)(got), *w_ = (const void *)(want);   \
        if (!tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__))         \
            diag("     got: %p\n#     expected: %p", g_, w_);              \
    } while (0)

#define is_str(got, want, ...)                                              \
    do {                                                                    \
        const char *g_ = (got), *w_ = (want);                               \
        if (!tap_result(g_ && w_ && !strcmp(g_, w_), __FILE__, __LINE__,    \
                        __VA_ARGS__))                                       \
            diag("     got: '%s'\n#     expected: '%s'", g_ ? g_ : "(null)",\
                 w_ ? w_ : "(null)");                                       \
    } while (0)

TAP_UNUSED static void skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        printf("ok %d # SKIP %s\n", ++tap_count, why);
    }
    fflush(stdout);
}

TAP_UNUSED static int done_testing(void)
{
    printf("1..%d\n", tap_count);
    fflush(stdout);
    return tap_failed ? 1 : 0;
}

#endif
