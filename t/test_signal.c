/* The calls bufpool.h names async-signal-safe work in a signal handler
 * that interrupts gets, releases and dups of the same pool on the same
 * thread (issue 11, row 9; t/symbols.sh checks that the header names
 * them). */
#include "config.h"

#include <bufpool.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define MAX 8

static bp_pool *pool;
static bp_ref *stable;               /* held by the main thread throughout */
static volatile sig_atomic_t handled, wrong;
static atomic_int stop;

static void on_signal(int sig)
{
    (void)sig;
    handled++;
    const char *v = bp_version();
    if (!v || strcmp(v, "0.1.0") != 0)
        wrong |= 1;
    if (bp_refcount(stable) != 1 || bp_is_writable(stable) != 1)
        wrong |= 2;
    if (bp_opaque(stable) != NULL || bp_pool_buffer_opaque(stable) != NULL)
        wrong |= 4;
    bp_pool_config c;
    bp_pool_config_init(&c);
    c.size = 64;
    if (bp_pool_config_check(&c, NULL) != 0)
        wrong |= 8;
    /* The stats read may interrupt an operation in flight: each field is
     * then within the operations in flight (bufpool.h), but never above
     * the cap. */
    bp_pool_stats st = BP_POOL_STATS_INIT;
    if (bp_pool_get_stats(pool, &st) != 0 || st.in_use > MAX ||
        st.in_use + st.idle > MAX)
        wrong |= 16;
}

struct sender {
    pthread_t target;
};

static void *send_signals(void *arg)
{
    struct sender *s = arg;
    while (!atomic_load(&stop)) {
        pthread_kill(s->target, SIGUSR1);
        usleep(50);
    }
    return NULL;
}

int main(void)
{
    pool = bp_pool_new(&BP_POOL_CONFIG(.size = 256, .max_buffers = MAX));
    stable = bp_pool_get(pool);
    ok(pool && stable, "pool and a buffer held throughout");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);

    struct sender s = { pthread_self() };
    pthread_t th;
    pthread_create(&th, NULL, send_signals, &s);
    long bad = 0, rounds = 0;
    bp_ref *held[4];
    while (handled < 500 && rounds < 20000000) {
        for (int i = 0; i < 3; i++) {
            held[i] = bp_pool_get(pool);
            if (held[i])
                memset(held[i]->data, i, 8);
        }
        held[3] = held[0] ? bp_dup(held[0]) : NULL;
        for (int i = 3; i >= 0; i--) {
            if (held[i] && held[i]->data[0] != (i == 3 ? 0 : i))
                bad++;
            bp_unref(&held[i]);
        }
        if (++rounds % 4096 == 0)
            bp_pool_trim(pool, 2);
    }
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
    ok(handled >= 100, "%d signals handled during %ld rounds of "
       "get/dup/unref/trim", (int)handled, rounds);
    is_int(wrong, 0, "every async-signal-safe call gave the right answer "
           "in the handler (bits of the wrong ones)");
    is_int(bad, 0, "the interrupted thread's buffers stayed its own");
    bp_unref(&stable);
    bp_pool_stats st = BP_POOL_STATS_INIT;
    bp_pool_get_stats(pool, &st);
    is_u64(st.in_use, 0, "in_use 0 at the end");
    bp_pool_uninit(&pool);
    return done_testing();
}
