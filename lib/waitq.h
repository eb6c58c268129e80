/* waitq.h - threads waiting for a buffer of a capped pool, and their
 * wake-ups.
 *
 * A waiter announces itself (wq_announce: waiters + 1), reads the wake
 * sequence, retries its get, and only then sleeps until the sequence moves
 * (wq_wait).  Whoever makes a buffer available (a release, a depot push, a
 * trim that frees, an abandoned allocation) calls wq_wake after making it
 * visible: it bumps the sequence and wakes the sleepers when waiters is
 * not 0.  Both sides use seq_cst, so either the waiter's retry sees the
 * buffer or the waker sees the waiter.  Internal. */
#ifndef BUFPOOL_WAITQ_H
#define BUFPOOL_WAITQ_H

#include "atomic.h"
#include "platform.h"

#include <stdbool.h>

struct waitq {
    atomic_uint      waiters;      /* announced waiters */
    atomic_uint      seq;          /* moves on every wake */
};

static inline void wq_init(struct waitq *q)
{
    atomic_init(&q->seq, 0);
    atomic_init(&q->waiters, 0);
}

/* In the child of a fork(): nobody waits (the one thread forked). */
static inline void wq_after_fork(struct waitq *q)
{
    at_store_relaxed(&q->waiters, 0);
}

/* Wakes every waiter (when there is one). */
BPI_HIDDEN void wq_wake(struct waitq *q);

/* The waiter's side: announce, then before each retry read the sequence,
 * then wait for it to move; leave at the end. */
BPI_HIDDEN void wq_announce(struct waitq *q);
BPI_HIDDEN unsigned wq_seq(struct waitq *q);
BPI_HIDDEN void wq_leave(struct waitq *q);

/* The deadline of a wait of timeout_ns from now (-1: none).  A timeout
 * beyond the clock's range is no deadline. */
BPI_HIDDEN int64_t wq_deadline(int64_t timeout_ns);

/* Sleeps until the sequence moves from seq (or spuriously); false when
 * the deadline (-1: none) has passed. */
BPI_HIDDEN bool wq_wait(struct waitq *q, unsigned seq, int64_t deadline);

#endif
