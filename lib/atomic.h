/* atomic.h - C11 atomics with the memory order in the name (as mimalloc's
 * atomic.h), so that every access says its order where it is written and
 * a reader can grep for the strong ones.  The fetch_* operations return
 * the previous value; the cas_* ones take the expected value by pointer and
 * update it on failure, like atomic_compare_exchange_*. A failed CAS uses
 * the strongest order allowed for a load of the same kind (relaxed for
 * relaxed and release, acquire for acquire and acq_rel, seq_cst for
 * seq_cst).  Internal. */
#ifndef BUFPOOL_ATOMIC_H
#define BUFPOOL_ATOMIC_H

#include <stdatomic.h>

#define MO_RLX memory_order_relaxed
#define MO_ACQ memory_order_acquire
#define MO_REL memory_order_release
#define MO_AR  memory_order_acq_rel
#define MO_SC  memory_order_seq_cst

#define at_load_relaxed(p)      atomic_load_explicit((p), MO_RLX)
#define at_load_acquire(p)      atomic_load_explicit((p), MO_ACQ)
#define at_load_seq_cst(p)      atomic_load_explicit((p), MO_SC)

#define at_store_relaxed(p, v)  atomic_store_explicit((p), (v), MO_RLX)
#define at_store_release(p, v)  atomic_store_explicit((p), (v), MO_REL)
#define at_store_seq_cst(p, v)  atomic_store_explicit((p), (v), MO_SC)

#define at_fetch_add_relaxed(p, v) atomic_fetch_add_explicit((p), (v), MO_RLX)
#define at_fetch_add_seq_cst(p, v) atomic_fetch_add_explicit((p), (v), MO_SC)
#define at_fetch_sub_relaxed(p, v) atomic_fetch_sub_explicit((p), (v), MO_RLX)
#define at_fetch_sub_acq_rel(p, v) atomic_fetch_sub_explicit((p), (v), MO_AR)
#define at_fetch_sub_seq_cst(p, v) atomic_fetch_sub_explicit((p), (v), MO_SC)

#define at_xchg_acquire(p, v)   atomic_exchange_explicit((p), (v), MO_ACQ)
#define at_xchg_seq_cst(p, v)   atomic_exchange_explicit((p), (v), MO_SC)

#define at_cas_weak_relaxed(p, e, d) \
    atomic_compare_exchange_weak_explicit((p), (e), (d), MO_RLX, MO_RLX)
#define at_cas_weak_release(p, e, d) \
    atomic_compare_exchange_weak_explicit((p), (e), (d), MO_REL, MO_RLX)
#define at_cas_weak_seq_cst(p, e, d) \
    atomic_compare_exchange_weak_explicit((p), (e), (d), MO_SC, MO_SC)
#define at_cas_strong_acq_rel(p, e, d) \
    atomic_compare_exchange_strong_explicit((p), (e), (d), MO_AR, MO_ACQ)

/* A full fence (mfence on x86, dmb ish on aarch64). */
#define at_fence_acquire()      atomic_thread_fence(MO_ACQ)
#define at_fence_seq_cst()      atomic_thread_fence(MO_SC)

/* A compiler barrier: orders this thread's accesses against a signal
 * handler (or a membarrier IPI), emits no instruction. */
#define at_compiler_barrier()   atomic_signal_fence(MO_SC)

#endif
