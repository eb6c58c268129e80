/* A process's whole life around a pool: the library unloaded (dlclose)
 * while threads that used it live on, unlimited load/unload cycles, and
 * fork() while other threads use a pool (issue 11, rows 1 and 2).
 *
 * Each scenario runs in a child process of its own, so that a crash or a
 * hang (alarm()) fails that test instead of the whole program. */
#include "config.h"

#include <bufpool.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* ---- running a scenario in a child --------------------------------------- */

/* Runs fn in a child process with an alarm of secs seconds; "ok" when it
 * exits 0.  Returns the child's status. */
static int in_child(int (*fn)(void), unsigned secs, const char *name)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        ok(0, "%s: fork failed", name);
        return -1;
    }
    if (pid == 0) {
        alarm(secs);
        _exit(fn());
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        ok(WEXITSTATUS(st) == 0, "%s (exit %d)", name, WEXITSTATUS(st));
    else
        ok(0, "%s (killed by signal %d%s)", name, WTERMSIG(st),
           WTERMSIG(st) == SIGALRM ? ": hung" : "");
    return st;
}

/* ---- the library as a plug-in --------------------------------------------- */

/* The functions a plug-in host would look up. */
struct lib {
    void *h;
    bp_pool *(*pool_init)(size_t, bp_ref *(*)(size_t));
    bp_ref *(*get)(bp_pool *);
    void (*unref)(bp_ref **);
    void (*uninit)(bp_pool **);
};

static char so_path[4096];

static int lib_open(struct lib *l)
{
    l->h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!l->h)
        return -1;
    *(void **)&l->pool_init = dlsym(l->h, "bp_pool_init");
    *(void **)&l->get = dlsym(l->h, "bp_pool_get");
    *(void **)&l->unref = dlsym(l->h, "bp_unref");
    *(void **)&l->uninit = dlsym(l->h, "bp_pool_uninit");
    return l->pool_init && l->get && l->unref && l->uninit ? 0 : -1;
}

struct user {
    struct lib *l;
    bp_pool *pool;
    atomic_int used, go_exit;
    int bad;
};

/* Uses the pool (so that the library knows this thread), then waits for
 * leave to exit. */
static void *user_thread(void *arg)
{
    struct user *u = arg;
    for (int i = 0; i < 100; i++) {
        bp_ref *a = u->l->get(u->pool), *b = u->l->get(u->pool);
        if (!a || !b)
            u->bad++;
        u->l->unref(&b);
        u->l->unref(&a);
    }
    atomic_store(&u->used, 1);
    while (!atomic_load(&u->go_exit))
        usleep(1000);
    return NULL;
}

/* A thread that used a pool exits after the library was unloaded. */
static int dlclose_then_thread_exit(void)
{
    struct lib l;
    if (lib_open(&l) < 0)
        return 10;
    struct user u = { &l, l.pool_init(4096, NULL), 0, 0, 0 };
    if (!u.pool)
        return 11;
    pthread_t th;
    if (pthread_create(&th, NULL, user_thread, &u))
        return 12;
    while (!atomic_load(&u.used))
        usleep(1000);
    l.uninit(&u.pool);
    dlclose(l.h);
    atomic_store(&u.go_exit, 1);
    pthread_join(th, NULL);
    return u.bad ? 13 : 0;
}

/* Load, use on a thread that then exits, unload: many times over, then the
 * process can still make thread-specific-data keys. */
static int load_unload_cycles(void)
{
    for (int cycle = 0; cycle < 1100; cycle++) {
        struct lib l;
        if (lib_open(&l) < 0)
            return 20;
        struct user u = { &l, l.pool_init(64, NULL), 0, 1, 0 };
        if (!u.pool)
            return 21;
        pthread_t th;
        if (pthread_create(&th, NULL, user_thread, &u))
            return 22;
        pthread_join(th, NULL);
        if (u.bad)
            return 23;
        l.uninit(&u.pool);
        dlclose(l.h);
    }
    pthread_key_t k;
    if (pthread_key_create(&k, NULL) != 0)
        return 24;
    pthread_key_delete(k);
    return 0;
}

/* ---- fork from a busy parent ---------------------------------------------- */

struct busy {
    bp_pool *pool;
    atomic_int started, stop;
};

/* AddressSanitizer's allocator (GCC 12's) is not fork-safe: a lock that
 * another thread holds at fork() stays held in the child, whose next
 * malloc then hangs, bufpool or not.  In ASan builds the parent's threads
 * therefore never allocate or free while children are forked: the pool is
 * made full and they do not trim. */
#if defined(__SANITIZE_ADDRESS__)
#  define PARENT_FREES 0
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define PARENT_FREES 0
#  endif
#endif
#ifndef PARENT_FREES
#  define PARENT_FREES 1
#endif

/* Gets and releases as fast as it can, sometimes holding enough to reach
 * the cap (a get then collects the other thread's cache), sometimes
 * trimming: so that at fork() time a cache is likely to be in its owner's
 * or a remote thread's hands. */
static void *busy_thread(void *arg)
{
    struct busy *b = arg;
    bp_ref *held[8];
    for (unsigned long i = 0; !atomic_load_explicit(&b->stop,
                                                     memory_order_relaxed); i++) {
        if (i == 64)
            atomic_fetch_add(&b->started, 1);   /* its cache exists */
        int n = 1 + (int)(i % 8);
        int got = 0;
        for (int k = 0; k < n; k++)
            if ((held[got] = bp_pool_get(b->pool)))
                got++;
        while (got)
            bp_unref(&held[--got]);
        if (PARENT_FREES && i % 512 == 0)
            bp_pool_trim(b->pool, 4);
    }
    return NULL;
}

static struct busy fork_busy;

/* In the child: everything a caller may do with the inherited pool
 * returns, and every buffer that the parent's threads did not hold (or
 * move) at the fork can be had; a fresh pool works too. */
static int child_uses_pool(void)
{
    enum { MAX = 12 };
    bp_pool *p = fork_busy.pool;
    bp_pool_trim(p, 0);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(p, &st);
    if (st.idle != 0 || st.in_use > MAX)
        return 30;
    /* Up to the cap: what the vanished threads held stays in use. */
    bp_ref *held[MAX + 1];
    size_t n = 0;
    while (n <= MAX && (held[n] = bp_pool_get_timeout(p, 1000000)))
        n++;
    if (n + st.in_use != MAX)
        return 31;
    if (errno != ETIMEDOUT)
        return 32;
    while (n)
        bp_unref(&held[--n]);
    if (st.in_use < MAX) {
        bp_ref *r = bp_pool_get(p);
        if (!r)
            return 33;
        bp_unref(&r);
    }
    bp_pool_trim(p, 0);
    bp_pool_uninit(&p);
    bp_pool *q = bp_pool_new(&BP_POOL_CONFIG(.size = 64, .max_buffers = 2));
    bp_ref *a = bp_pool_get(q), *b = bp_pool_get(q);
    if (!q || !a || !b || bp_pool_get(q))
        return 34;
    bp_unref(&a);
    bp_unref(&b);
    bp_pool_trim(q, 0);
    bp_pool_uninit(&q);
    return 0;
}

static void test_fork_busy(void)
{
    enum { T = 2, CHILDREN = 24 };
    fork_busy.pool = bp_pool_new(&BP_POOL_CONFIG(.size = 256,
                                                 .min_buffers = 12,
                                                 .max_buffers = 12));
    atomic_store(&fork_busy.stop, 0);
    pthread_t th[T];
    for (int i = 0; i < T; i++)
        pthread_create(&th[i], NULL, busy_thread, &fork_busy);
    while (atomic_load(&fork_busy.started) < T)
        usleep(1000);
    int failed = 0;
    for (int c = 0; c < CHILDREN; c++) {
        usleep(2000);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(5);
            _exit(child_uses_pool());
        }
        int st = 0;
        while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (!failed)
                diag("child %d: %s %d", c, pid < 0 ? "fork failed" :
                     WIFEXITED(st) ? "exit" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            failed++;
        }
    }
    atomic_store(&fork_busy.stop, 1);
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    is_int(failed, 0, "fork while %d threads use a capped pool: %d children "
           "trim, get up to the cap, release and uninit without hanging",
           T, CHILDREN);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(fork_busy.pool, &st);
    is_u64(st.in_use, 0, "the parent's pool is intact: in_use 0");
    bp_pool_uninit(&fork_busy.pool);
}

int main(void)
{
    const char *top = getenv("top_builddir");
    snprintf(so_path, sizeof(so_path), "%s/lib/.libs/libbufpool.so",
             top ? top : ".");
    if (access(so_path, R_OK) != 0) {
        skip(2, "no shared library (built with --disable-shared?)");
    } else {
        in_child(dlclose_then_thread_exit, 20,
                 "a thread that used a pool exits after dlclose()");
        in_child(load_unload_cycles, 120,
                 "1100 dlopen/use on a thread/dlclose cycles, then "
                 "pthread_key_create works");
    }
    test_fork_busy();
    return done_testing();
}
