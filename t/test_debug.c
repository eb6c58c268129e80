/* The debug build (configure --enable-debug) checks the library's
 * internal invariants: a use after release (bp_dup of a buffer whose last
 * reference went) stops the process with the assertion's message.  In
 * other builds there is nothing to check. */
#include "config.h"

#include <bufpool.h>

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

int main(void)
{
#ifndef BP_DEBUG
    skip(2, "not a debug build (configure --enable-debug)");
#else
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
        bp_ref *r = bp_pool_get(p), *stale = r;
        bp_unref(&r);
        bp_ref *d = bp_dup(stale);   /* use after release */
        (void)d;
        _exit(0);
    }
    close(fds[1]);
    char msg[512] = "";
    ssize_t n = read(fds[0], msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = 0;
    int st = 0;
    waitpid(pid, &st, 0);
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
       "bp_dup of a released buffer aborts (status %d)", st);
    ok(strstr(msg, "bufpool: internal assertion failed") != NULL,
       "with the assertion's message: %s", msg);
#endif
    return done_testing();
}
