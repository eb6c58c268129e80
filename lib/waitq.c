/* waitq.c - waiting for a buffer.  See waitq.h. */
#include "config.h"

#include "waitq.h"

#include <stdint.h>

void wq_wake(struct waitq *q)
{
    /* seq_cst: the other side of the waiter's "announce, then retry". */
    if (at_load_seq_cst(&q->waiters)) {
        at_fetch_add_seq_cst(&q->seq, 1);
        bpi_wake_all(&q->seq);
    }
}

void wq_announce(struct waitq *q)
{
    /* seq_cst: see wq_wake.  The fence: our retries' loads (a ring's tail,
     * with acquire) and a releaser's load of waiters after its push and
     * fence (pool.c, cache_put): one of them sees the other's store. */
    at_fetch_add_seq_cst(&q->waiters, 1);
    at_fence_seq_cst();
}

unsigned wq_seq(struct waitq *q)
{
    return at_load_seq_cst(&q->seq);
}

void wq_leave(struct waitq *q)
{
    at_fetch_sub_seq_cst(&q->waiters, 1);
}

int64_t wq_deadline(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return -1;
    int64_t now = bpi_now_ns();
    return timeout_ns > INT64_MAX - now ? -1 : now + timeout_ns;
}

bool wq_wait(struct waitq *q, unsigned seq, int64_t deadline)
{
    int64_t left = -1;
    if (deadline >= 0) {
        left = deadline - bpi_now_ns();
        if (left <= 0)
            return false;
    }
    bpi_wait(&q->seq, seq, left);
    return true;
}
