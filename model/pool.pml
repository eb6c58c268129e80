/* pool.pml - a Promela model of bufpool's get/release/cache/depot protocol
 * (lib/pool.c, lib/tcache.*, lib/depot.*, lib/tagstack.h), for exhaustive checking
 * with spin.  See model/README.md for what is modelled, how each part maps
 * to the C code, and what is left out.
 *
 *   spin -a [-DNT=3 ...] pool.pml && cc -O2 -DSAFETY -o pan pan.c && ./pan
 *
 * Variants (expected to FAIL; they show the checks are not vacuous):
 *   -DNOTAG    depot pops do not increment the head's tag (no ABA protection)
 *   -DNOFENCE  the owner's req (or gate) load is done before its busy store
 *              (what the hardware may do without the seq_cst/membarrier
 *              fence)
 *   -DNOGATE   a remote sets req but does not close the fast paths' gates
 *   -DFALLBACK -DNOACK  (below) a remote uses caches whose owners did not
 *              acknowledge fenced mode
 *
 * -DFALLBACK (issue 19) models membarrier failing at run time, in its worst
 * case: every remote's barrier fails.  Light sections - every fast path,
 * and a general path whose owner has not seen fenced mode yet (it may read
 * bpi_light stale) - may perform their gate or req load before their busy
 * store is visible, as NOFENCE; the first remote switches to fenced mode
 * (light = 0) and closes every gate; an owner in a fenced general section
 * that excludes remotes acknowledges (closes its gates, fenced = 1); a
 * remote uses only acknowledged caches and skips the others, and never
 * reopens a gate.
 *
 * Properties (assert): a buffer is handed out only when nobody holds it; the
 * owner and a remote thread are never both inside a cache; every buffer that
 * exists is, in every state, in exactly one place (a holder, a cache, the
 * depot, or one thread's hands in transit); at most CAP buffers are ever
 * allocated; no deadlock (spin's invalid end states); at the end, with every
 * thread done, all buffers are idle in caches or the depot. */

#ifndef NT
#define NT    2        /* threads */
#endif
#ifndef CAP
#define CAP   3        /* max_buffers: slots that may ever exist */
#endif
#ifndef PRE
#define PRE   2        /* buffers in the depot at the start (chains of 1) */
#endif
#ifndef CM
#define CM    1        /* cache_max: idle buffers per thread cache */
#endif
#ifndef GETS
#define GETS  2        /* gets per thread (each get is released again) */
#endif
#ifndef GETS0
#define GETS0 GETS     /* gets by thread 0 (to grow one thread only) */
#endif
#define HOLD  2        /* buffers a thread holds at once (at most) */

#define NIL   255

/* FALLBACK: a remote uses only acknowledged caches (NOACK: every one). */
#if defined(FALLBACK) && !defined(NOACK)
#define USABLE(v) (c[v].fenced == 1)
#else
#define USABLE(v) 1
#endif
#define ME    (me + 1)

#ifdef NOTAG
#define TAG_ONE 0
#else
#define TAG_ONE 1
#endif

/* ---- shared state ------------------------------------------------------ */

/* struct tcache: items/n are the owner's; busy (owner inside), req
 * (REQ_BUSY: a remote is using it), gate (the fast paths' floor/cap closed
 * by tc_block: set after req, cleared before it), rbusy (one remote at a
 * time).  ocs/rcs are ghosts: owner / remote inside the cache. */
typedef tcache {
    byte items[CM];
    byte n;
    bit  busy;
    bit  req;          /* REQ_NONE 0, REQ_BUSY 1 (REQ_CLOSED: not modelled) */
    bit  gate;         /* floor = FLOOR_CLOSED and cap = 0 */
    bit  rbusy;
    bit  fenced;       /* FALLBACK: the owner acknowledged fenced mode */
    bit  ocs;          /* ghost */
    bit  rcs           /* ghost */
};
tcache c[NT];

/* The depot head word: slot index + tag, changed by one CAS. */
byte d_idx = NIL;
byte d_tag = 0;

/* struct slot: next (link in a chain), mag_next (link between chains in the
 * depot).  Slots are never freed: a stale read is always possible. */
byte lnk[CAP];
byte mlnk[CAP];

byte refs;             /* pool->refs - 1: buffers allocated + reservations */
bit  light = 1;        /* FALLBACK: bpi_light */
byte nslots;           /* pool->nslots: slots (buffers) created */

/* Ghosts. */
byte holder[CAP];      /* 0: not held by a user; else thread + 1 */
byte tr[NT];           /* a NIL-terminated chain in thread t's hands */
byte pend[NT];         /* a buffer thread t is releasing */
byte done;             /* threads finished */

/* Scratch for check(); hidden: not part of the state. */
hidden byte occ[CAP];
hidden byte ci, cj, ck, cl, cm;

/* Counts the buffers of the chain starting at h (links: lnk). */
inline walk(h)
{
    cj = h; cl = 0;
    do
    :: cj != NIL && cl <= CAP -> occ[cj]++; cj = lnk[cj]; cl++
    :: else -> break
    od;
    assert(cj == NIL)          /* a chain is finite and in range */
}

/* Conservation: every buffer that exists is in exactly one place; none
 * beyond the cap.  Called at the end of every step that moves a buffer. */
inline check()
{
    assert(nslots <= CAP);
    assert(refs <= CAP);        /* a reservation never passes the cap */
    ci = 0;
    do
    :: ci < CAP -> occ[ci] = (holder[ci] != 0 -> 1 : 0); ci++
    :: else -> break
    od;
    ci = 0;
    do
    :: ci < NT ->
        if
        :: pend[ci] != NIL -> occ[pend[ci]]++
        :: else
        fi;
        ck = 0;
        do
        :: ck < c[ci].n -> occ[c[ci].items[ck]]++; ck++
        :: else -> break
        od;
        walk(tr[ci]);
        ci++
    :: else -> break
    od;
    cm = d_idx; ck = 0;
    do
    :: cm != NIL && ck <= CAP -> walk(cm); cm = mlnk[cm]; ck++
    :: else -> break
    od;
    assert(cm == NIL);          /* the depot is a finite list */
    ci = 0;
    do
    :: ci < CAP ->
        assert(ci < nslots && occ[ci] == 1 || ci >= nslots && occ[ci] == 0);
        occ[ci] = 0; ci++
    :: else -> break
    od;
    ci = 0; cj = 0; ck = 0; cl = 0; cm = 0
}

/* ---- the worker's pieces (inlines: they use the worker's locals) -------- */

/* bp_buffer handed to the user (hand_out), into held[]. */
inline take(b)
{
    assert(holder[b] == 0);    /* nobody holds it already */
    holder[b] = ME;
    if
    :: held[0] == NIL -> held[0] = b
    :: else -> assert(held[1] == NIL); held[1] = b
    fi;
    nheld++
}

/* Entering a cache: ok = 1 inside, 0 when a remote is there.  fast = 1:
 * a get/release fast path, which tests its gate (floor or cap); fast = 0:
 * tc_enter (the general paths), which tests req.  The caller sets fast and
 * clears it when done. */
inline tc_enter()
{
#ifdef FALLBACK
    /* Whether the owner sees fenced mode (or reads bpi_light stale). */
    if
    :: !fast && !seen0 && light == 0 -> seen0 = 1
    :: true
    fi;
    if
    :: fast || !seen0 ->                 /* a light section: as NOFENCE */
        d_step { r = (fast -> c[me].gate : c[me].req) };
        c[me].busy = 1;
        if
        :: d_step { r == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1; r = 0 }
        :: r != 0 -> c[me].busy = 0; ok = 0; r = 0
        fi
    :: else ->                           /* fenced: seq_cst */
        c[me].busy = 1;
        if
        :: d_step { c[me].req == 0 ->
                    c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1 }
        :: c[me].req != 0 -> c[me].busy = 0; ok = 0
        fi;
        if                               /* tc_fence_ack */
        :: ok && !c[me].fenced ->
            d_step { c[me].gate = 1; c[me].fenced = 1;
                     printf("T%d: acknowledges fenced mode\n", me) }
        :: else
        fi
    fi
#elif defined(NOFENCE)
    /* The load performed before the busy store becomes visible. */
    d_step {
        if
        :: fast -> r = c[me].gate; printf("T%d: loads its gate early (%d)\n", me, r)
        :: else -> r = c[me].req; printf("T%d: loads its req early (%d)\n", me, r)
        fi
    };
    d_step { c[me].busy = 1; printf("T%d: stores busy\n", me) };
    if
    :: d_step { r == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1; r = 0 }
    :: r != 0 -> c[me].busy = 0; ok = 0; r = 0
    fi
#else
    c[me].busy = 1;                      /* seq_cst store */
    if                                   /* seq_cst load of the gate or req */
    :: d_step { (fast -> c[me].gate : c[me].req) == 0 ->
                c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1 }
    :: (fast -> c[me].gate : c[me].req) != 0 -> c[me].busy = 0; ok = 0
    fi
#endif
}

inline tc_leave()
{
    d_step { c[me].ocs = 0; c[me].busy = 0 }
}

/* bpi_depot_put: pushes the chain tr[me] (pieces of CACHE_MAX = 63 >= CAP:
 * one piece).  h = relaxed load; loop { mag_next = h.idx; CAS }. */
inline depot_put()
{
    d_step { hi = d_idx; ht = d_tag }
    do
    :: mlnk[tr[me]] = hi;
        if
        :: d_step { d_idx == hi && d_tag == ht ->
               printf("T%d: depot push chain %d: head (%d,t%d) -> (%d,t%d)\n",
                      me, tr[me], hi, ht, tr[me], ht);
               d_idx = tr[me]; tr[me] = NIL; check() };
           break
        :: d_step { !(d_idx == hi && d_tag == ht) -> hi = d_idx; ht = d_tag }
        fi
    od;
    hi = 0;                    /* (a plain statement ends the loop) */
    ht = 0
}

/* depot_take / stack_pop(depot): h = load; loop { i = h.idx; nx = speculative
 * read of slot i's mag_next; CAS h -> (h.tag + 1, nx) }.  The chain popped
 * goes to tr[me]; NIL when the depot is empty. */
inline depot_take()
{
    d_step { hi = d_idx; ht = d_tag }
    do
    :: hi == NIL -> break
    :: hi != NIL ->
        d_step {
            nx = mlnk[hi];
            printf("T%d: depot pop reads head (%d,t%d), link %d\n",
                   me, hi, ht, nx)
        };
        if
        :: d_step { d_idx == hi && d_tag == ht ->
               printf("T%d: depot pop CAS (%d,t%d) -> (%d,t%d): takes chain %d\n",
                      me, hi, ht, nx, ht + TAG_ONE, hi);
               d_idx = nx; d_tag = ht + TAG_ONE; tr[me] = hi; check() };
           break
        :: d_step { !(d_idx == hi && d_tag == ht) -> hi = d_idx; ht = d_tag }
        fi
    od;
    hi = 0;
    d_step { ht = 0; nx = 0 }
}

/* bpi_tc_flush(tc, k), k = cache_max / 2 + 1: the k oldest become a chain
 * (next links, NIL-terminated) that goes to the depot.  In the owner's
 * critical section. */
inline tc_flush()
{
    d_step {
        k = CM / 2 + 1;
        if :: k > c[me].n -> k = c[me].n :: else fi;
        printf("T%d: cache full: flushes its %d oldest to the depot\n", me, k);
        v = 0;
        do
        :: v + 1 < k -> lnk[c[me].items[v]] = c[me].items[v + 1]; v++
        :: else -> break
        od;
        lnk[c[me].items[k - 1]] = NIL;
        tr[me] = c[me].items[0];
        v = 0;                               /* memmove */
        do
        :: v + k < c[me].n -> c[me].items[v] = c[me].items[v + k]; v++
        :: else -> break
        od;
        do
        :: v < c[me].n -> c[me].items[v] = NIL; v++
        :: else -> break
        od;
        c[me].n = c[me].n - k;
        check();
        k = 0; v = 0
    };
    depot_put()
}

/* tc_push: ok = 1 when pend[me] went into the cache.  The fast path
 * (pool_release) leaves a full cache to the general one (tc_push in
 * bpi_release_slow), which flushes it. */
inline tc_push()
{
    tc_enter();
    if
    :: ok && fast && c[me].n >= CM -> tc_leave(); ok = 0
    :: ok && !(fast && c[me].n >= CM) ->
        if
        :: c[me].n >= CM -> tc_flush()
        :: else
        fi;
        d_step {
            c[me].items[c[me].n] = pend[me]; c[me].n++; pend[me] = NIL;
            check()
        };
        tc_leave()
    :: else
    fi;
    fast = 0
}

/* pool_release's fast path, else bpi_release_slow -> tc_push, else the depot
 * (a chain of one). */
inline release()
{
    if
    :: held[0] != NIL ->
        d_step { b = held[0]; held[0] = NIL }
    :: held[1] != NIL ->
        d_step { b = held[1]; held[1] = NIL }
    fi;
    d_step {
        assert(holder[b] == ME);
        printf("T%d: releases buffer %d\n", me, b);
        holder[b] = 0; pend[me] = b; nheld--; b = 0;
        check()
    };
    fast = 1;
    tc_push();
    if
    :: !ok -> tc_push()
    :: else
    fi;
    if
    :: !ok ->
        d_step { lnk[pend[me]] = NIL; tr[me] = pend[me]; pend[me] = NIL;
                 check() };
        depot_put()
    :: else
    fi;
    ok = 0
}

/* tc_pop: got = 1 when the cache had a buffer. */
inline tc_pop()
{
    tc_enter();
    if
    :: ok ->
        if
        :: d_step { c[me].n > 0 ->
               c[me].n--; b = c[me].items[c[me].n];
               c[me].items[c[me].n] = NIL;
               printf("T%d: gets buffer %d from its cache\n", me, b);
               take(b); check(); b = 0; got = 1 }
        :: c[me].n == 0
        fi;
        tc_leave()
    :: else
    fi;
    ok = 0;
    fast = 0
}

/* bpi_tc_collect(p, self = me, close = false, all): takes the idle
 * buffers of the other caches into tr[me] (prepending, next links). */
inline collect()
{
    /* all = (waiters != 0): a bp_pool_get_timeout may be waiting, so
     * empty caches are claimed too.  Either value. */
    if
    :: all = 1
    :: all = 0
    fi;
    /* 1. claim the caches (registry order) and post the request */
    v = 0;
    do
    :: v < NT ->
        if
        :: v != me && (c[v].n != 0 || all) ->  /* relaxed hint: skip empty */
            d_step { c[v].rbusy == 0 -> c[v].rbusy = 1 };
            d_step {                     /* seq_cst: the Dekker stores */
                c[v].req = 1;
                printf("T%d: sets T%d's req\n", me, v)
            };
#ifndef NOGATE
            c[v].gate = 1;               /* tc_block */
#endif
            claimed = claimed | (1 << v)
        :: else
        fi;
        v++
    :: else -> break
    od;
    /* 2. (bpi_heavy_barrier: nothing to model under seq_cst) */
#ifdef FALLBACK
    /* ... it fails: fenced mode, every gate of the pool closed. */
    light = 0;                           /* (no jump into a d_step) */
    d_step {
        k = 0;
        do
        :: k < NT -> c[k].gate = 1; k++
        :: else -> break
        od;
        k = 0
    };
#endif
    /* 3. wait for each owner to leave, then empty its cache */
    v = NT;
    do
    :: v > 0 ->
        v--;
        if
        :: (claimed & (1 << v)) && !USABLE(v) ->
            d_step {                     /* not acknowledged: skip it */
                printf("T%d: skips T%d's cache (not acknowledged)\n", me, v);
                c[v].req = 0; c[v].rbusy = 0
            }
        :: (claimed & (1 << v)) && USABLE(v) ->
            d_step { c[v].busy == 0 ->   /* seq_cst load */
                printf("T%d: sees T%d's busy clear: uses its cache\n", me, v);
                c[v].rcs = 1; assert(c[v].ocs == 0) };
            d_step {
                printf("T%d: collects %d buffers from T%d's cache\n", me, c[v].n, v);
                k = 0;
                do
                :: k < c[v].n ->
                    lnk[c[v].items[k]] = tr[me]; tr[me] = c[v].items[k];
                    c[v].items[k] = NIL; k++
                :: else -> break
                od;
                c[v].n = 0; k = 0;
                check()
            };
#ifdef FALLBACK
            c[v].rcs = 0;                            /* gates stay closed */
#else
            d_step { c[v].rcs = 0; c[v].gate = 0 };  /* tc_unblock: release */
#endif
            c[v].req = 0;                            /* release */
            c[v].rbusy = 0
        :: else
        fi
    :: else -> break
    od;
    claimed = 0;
    all = 0
}

/* get_from_chain: hand out the first of tr[me], cache the rest (tc_fill,
 * overflow to the depot) or give it to the depot. */
inline get_from_chain()
{
    d_step {
        b = tr[me]; tr[me] = lnk[b]; lnk[b] = NIL;
        printf("T%d: gets buffer %d from the chain it took\n", me, b);
        take(b); check(); b = 0
    };
    if
    :: tr[me] != NIL ->
        tc_enter();
        if
        :: ok ->
            if
            :: c[me].n == 0 ->
                d_step {                 /* tc_fill */
                    do
                    :: tr[me] != NIL && c[me].n < CM ->
                        b = tr[me]; tr[me] = lnk[b]; lnk[b] = NIL;
                        c[me].items[c[me].n] = b; c[me].n++
                    :: else -> break
                    od;
                    b = 0;
                    check()
                };
                if
                :: tr[me] != NIL -> depot_put()   /* depot_put_chain */
                :: else
                fi
            :: c[me].n != 0 -> depot_put()
            fi;
            tc_leave()
        :: else -> depot_put()
        fi;
        ok = 0
    :: else
    fi
}

/* get_new: reserve (a CAS that never takes refs past the cap: at the cap,
 * EAGAIN without changing refs), then a new slot (nslots++) handed out. */
inline get_new()
{
    d_step {
        r = refs;
        if
        :: r < CAP -> refs++
        :: else
        fi
    };
    if
    :: r >= CAP ->                             /* EAGAIN */
        d_step { r = 0; printf("T%d: get fails (at the cap)\n", me) }
    :: r < CAP ->
        d_step {
            b = nslots; nslots++;
            printf("T%d: allocates buffer %d\n", me, b);
            take(b); check(); b = 0; r = 0
        }
    fi
}

/* bp_pool_get's fast path, else get_once: cache, else depot, else (maybe)
 * collect then depot, else new. */
inline get()
{
    fast = 1;
    tc_pop();
    if
    :: !got -> tc_pop()
    :: else
    fi;
    if
    :: got -> skip
    :: else ->
        depot_take();
        if
        :: tr[me] == NIL ->
            /* should_collect is a performance heuristic: either choice */
            if
            :: collect();
               if
               :: tr[me] == NIL -> depot_take()
               :: else
               fi
            :: skip
            fi
        :: else
        fi;
        if
        :: tr[me] != NIL -> get_from_chain()
        :: else -> get_new()
        fi
    fi;
    got = 0
}

proctype worker(byte me)
{
    byte held[HOLD];
    byte nheld, gets, b, hi, ht, nx, k, v, r, claimed;
    bit ok, got, all, fast, seen0;

    held[0] = NIL; held[1] = NIL;
    gets = (me == 0 -> GETS0 : GETS);
    do
    :: gets > 0 && nheld < HOLD -> gets--; get()
    :: nheld > 0 -> release()
    :: gets == 0 && nheld == 0 -> break
    od;
    done++
}

init
{
    byte i;
    atomic {
        /* bp_pool_new: PRE buffers in the depot, here as chains of one
         * (as many releases through the depot leave it). */
        i = 0;
        do
        :: i < CAP ->
            lnk[i] = NIL; holder[i] = 0;
            mlnk[i] = (i + 1 < PRE -> i + 1 : NIL);
            i++
        :: else -> break
        od;
        d_idx = (PRE > 0 -> 0 : NIL);
        nslots = PRE; refs = PRE;
        i = 0;
        do
        :: i < NT ->
            tr[i] = NIL; pend[i] = NIL;
            ck = 0;
            do
            :: ck < CM -> c[i].items[ck] = NIL; ck++
            :: else -> break
            od;
            ck = 0;
            i++
        :: else -> break
        od;
        i = 0;
        check();
        do
        :: i < NT -> run worker(i); i++
        :: else -> break
        od;
        i = 0
    };
    /* The end: every thread done, every buffer idle exactly once. */
    done == NT;
    d_step {
        check();
        i = 0;
        do
        :: i < CAP -> assert(holder[i] == 0); i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < NT ->
            assert(tr[i] == NIL && pend[i] == NIL && c[i].req == 0 &&
                   c[i].rbusy == 0 && c[i].busy == 0);
#ifndef FALLBACK
            assert(c[i].gate == 0);
#endif
            i++
        :: else -> break
        od
    }
}
