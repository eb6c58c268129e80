/* checkers.c - the user's checkers, found at run time.  See checkers.h. */
#include "config.h"

#include "checkers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The valgrind tools' client requests: a few instructions that do nothing
 * natively.  helgrind's happens-before and clean-memory requests are DRD's
 * too (the same codes); only "do not check" differs. */
#if defined(HAVE_VALGRIND_VALGRIND_H) && defined(HAVE_VALGRIND_MEMCHECK_H) && \
    defined(HAVE_VALGRIND_HELGRIND_H) && defined(HAVE_VALGRIND_DRD_H)
#  include <valgrind/valgrind.h>
#  include <valgrind/memcheck.h>
#  include <valgrind/helgrind.h>
#  include <valgrind/drd.h>
#  define CK_VALGRIND 1
#endif

/* The sanitizers' run-time interface, when the program has it.  Not in a
 * library built with that sanitizer itself: the sanitizer sees it as it is
 * (and BP_POOL_POISON pools poison for ASan there, platform.h). */
#if defined(HAVE_FUNC_ATTRIBUTE_WEAK) && !defined(BPI_TSAN)
#  define CK_TSAN_RT 1
__attribute__((weak)) void __tsan_acquire(void *addr);
__attribute__((weak)) void __tsan_release(void *addr);
__attribute__((weak)) void __tsan_ignore_thread_begin(void);
__attribute__((weak)) void __tsan_ignore_thread_end(void);
#endif
#if defined(HAVE_FUNC_ATTRIBUTE_WEAK) && !defined(BPI_ASAN)
#  define CK_ASAN_RT 1
__attribute__((weak)) void __asan_poison_memory_region(void const volatile *,
                                                       size_t);
__attribute__((weak)) void __asan_unpoison_memory_region(void const volatile *,
                                                         size_t);
#endif

_Atomic unsigned bpi_ck = CK_UNKNOWN;

/* BUFPOOL_CHECK's words (checkers.h). */
static unsigned env_words(void)
{
    const char *e = getenv("BUFPOOL_CHECK");
    unsigned c = 0;
    while (e && *e) {
        size_t n = strcspn(e, ",");
        if (n == 7 && !strncmp(e, "nocache", n))
            c |= CK_NOCACHE;
        else if (n)
            fprintf(stderr, "bufpool: BUFPOOL_CHECK: unknown word '%.*s' "
                    "(known: nocache)\n", (int)n, e);
        e += n + (e[n] == ',');
    }
    return c;
}

unsigned ck_detect(void)
{
    unsigned c = env_words();
#ifdef CK_TSAN_RT
    if (__tsan_acquire && __tsan_release && __tsan_ignore_thread_begin &&
        __tsan_ignore_thread_end)
        c |= CK_TSAN;
#endif
#ifdef CK_ASAN_RT
    if (__asan_poison_memory_region && __asan_unpoison_memory_region)
        c |= CK_ASAN;
#endif
#ifdef CK_VALGRIND
    if (RUNNING_ON_VALGRIND) {
        /* Each tool answers its own requests; the others answer 0. */
        int probe = 0;
        if ((long)VALGRIND_MAKE_MEM_DEFINED(&probe, sizeof(probe)) == -1)
            c |= CK_MEMCHECK;
        if (VALGRIND_HG_GET_ABITS(&probe, NULL, sizeof(probe)) ==
            (long)sizeof(probe))
            c |= CK_HELGRIND;
        if (DRD_GET_VALGRIND_THREADID != 0)
            c |= CK_DRD;
    }
#endif
    /* A read-modify-write: valgrind's race detectors do not report it
     * against the plain loads of ck_mode(). */
    unsigned unknown = CK_UNKNOWN;
    atomic_compare_exchange_strong(&bpi_ck, &unknown, c);
    return c;
}

void ck_release(const void *obj)
{
    unsigned c = ck_mode();
    (void)c;
    (void)obj;
#ifdef CK_TSAN_RT
    if (c & CK_TSAN)
        __tsan_release((void *)obj);
#endif
#ifdef CK_VALGRIND
    if (c & (CK_HELGRIND | CK_DRD))
        DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_SEND_PRE, void *, (void *)obj);
#endif
}

void ck_acquire(const void *obj)
{
    unsigned c = ck_mode();
    (void)c;
    (void)obj;
#ifdef CK_TSAN_RT
    if (c & CK_TSAN)
        __tsan_acquire((void *)obj);
#endif
#ifdef CK_VALGRIND
    /* DRD calls an acquire on an object nobody released an error (a
     * buffer's first hand-out): a release first.  It orders nothing new:
     * whoever acquires obj later comes after this use of it anyway. */
    if (c & (CK_HELGRIND | CK_DRD)) {
        DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_SEND_PRE, void *, (void *)obj);
        DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_RECV_POST, void *, (void *)obj);
    }
#endif
}

void ck_forget(const void *obj)
{
    (void)obj;
#ifdef CK_VALGRIND
    if (ck_mode() & CK_HELGRIND)
        DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_FORGET_ALL, void *, (void *)obj);
#endif
}

void ck_idle(void *data, size_t size)
{
    unsigned c = ck_mode();
    (void)c;
    (void)data;
    (void)size;
#ifdef CK_ASAN_RT
    if (c & CK_ASAN)
        __asan_poison_memory_region(data, size);
#endif
#ifdef CK_VALGRIND
    if (c & CK_MEMCHECK)
        (void)VALGRIND_MAKE_MEM_NOACCESS(data, size);
#endif
}

void ck_usable(void *data, size_t size, bool defined)
{
    unsigned c = ck_mode();
    (void)c;
    (void)data;
    (void)size;
    (void)defined;
#ifdef CK_ASAN_RT
    if (c & CK_ASAN)
        __asan_unpoison_memory_region(data, size);
#endif
#ifdef CK_VALGRIND
    if ((c & CK_MEMCHECK) && defined)
        (void)VALGRIND_MAKE_MEM_DEFINED(data, size);
    else if (c & CK_MEMCHECK)
        (void)VALGRIND_MAKE_MEM_UNDEFINED(data, size);
#endif
}

void ck_internal(const void *p, size_t size)
{
    (void)p;
    (void)size;
#ifdef CK_VALGRIND
    unsigned c = ck_mode();
    if (c & CK_HELGRIND)
        VALGRIND_HG_DISABLE_CHECKING(p, size);
    if (c & CK_DRD)
        VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_START_SUPPRESSION,
                                        p, size, 0, 0, 0);
#endif
}

void ck_fresh_begin(void)
{
#ifdef CK_TSAN_RT
    if (ck_mode() & CK_TSAN)
        __tsan_ignore_thread_begin();
#endif
}

void ck_fresh_end(const void *p, size_t size)
{
    unsigned c = ck_mode();
    (void)c;
    (void)p;
    (void)size;
#ifdef CK_TSAN_RT
    if (c & CK_TSAN)
        __tsan_ignore_thread_end();
#endif
#ifdef CK_VALGRIND
    /* As if just allocated: no thread has touched it (DRD's request too). */
    if (c & (CK_HELGRIND | CK_DRD))
        VALGRIND_HG_CLEAN_MEMORY(p, size);
#endif
}
