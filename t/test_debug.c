/* The debug build (configure --enable-debug) checks the library's
 * internal invariants and the uses it can: a use after release (bp_dup of
 * a buffer whose last reference went) stops the process with the
 * assertion's message, and so does bp_unref of a bp_ref that was copied or
 * moved by value (issue 19: a bp_ref lives only where the library put
 * it).  In other builds there is nothing to check. */
#include "config.h"

#include <bufpool.h>

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#ifdef BP_DEBUG
/* Runs fn in a child; it must abort with `want` in its message. */
static void expect_abort(void (*fn)(void), const char *want, const char *what)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        fn();
        _exit(0);
    }
    close(fds[1]);
    char msg[512] = "";
    ssize_t n = read(fds[0], msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = 0;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
       "%s aborts (status %d)", what, st);
    ok(strstr(msg, want) != NULL, "with the message: %s", msg);
}

static void dup_after_release(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    bp_ref *r = bp_pool_get(p), *stale = r;
    bp_unref(&r);
    bp_ref *d = bp_dup(stale);   /* use after release */
    (void)d;
}

/* A struct that embeds a bp_ref (moved there by value). */
struct frame {
    int id;
    bp_ref plane;
};

static void unref_moved_pool_ref(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    struct frame f = { 1, *bp_pool_get(p) };
    bp_ref *r = &f.plane;
    bp_unref(&r);
}

static void unref_moved_dup(void)
{
    bp_ref *a = bp_alloc(64), *d = bp_dup(a);
    struct frame f = { 2, *d };
    bp_ref *r = &f.plane;
    bp_unref(&r);
}
#endif

int main(void)
{
#ifndef BP_DEBUG
    skip(6, "not a debug build (configure --enable-debug)");
#else
    expect_abort(dup_after_release, "bufpool: internal assertion failed",
                 "bp_dup of a released buffer");
    expect_abort(unref_moved_pool_ref, "not a bp_ref the library made",
                 "bp_unref of a pool buffer's ref moved into a struct");
    expect_abort(unref_moved_dup, "not a bp_ref the library made",
                 "bp_unref of a bp_dup ref moved into a struct");
#endif
    return done_testing();
}
