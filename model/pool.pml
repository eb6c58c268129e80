/* pool.pml - a Promela model of bufpool's get/release protocol: thread
 * caches (private items under the busy/req handshake, and a ring any thread
 * claims from), the depot of chains, shared mode at max_buffers, and a
 * remote collect (trim) - lib/pool.c, lib/ring.h, lib/tcache.c -
 * for exhaustive checking with spin.  See model/README.md for what is
 * modelled, how each part maps to the C code, and what is left out.
 *
 *   spin -a [-DNT=3 ...] pool.pml && cc -O2 -DSAFETY -o pan pan.c && ./pan
 *
 * Variants (expected to FAIL; they show the checks are not vacuous):
 *   -DNOTAG     depot pops do not increment the head's tag (no ABA protection)
 *   -DNOFENCE   the owner's req (or gate) load is done before its busy store
 *               (what the hardware may do without the seq_cst/membarrier
 *               fence)
 *   -DNOGATE    a remote sets req but does not close the fast paths' gates
 *   -DNOCAS     a ring claim advances head with a plain store, not a CAS
 *   -DNOFULLCHECK     the ring's owner pushes without checking fullness
 *   -DNOREOPENCHECK   tc_open_cap opens the cap without re-closing it when
 *               a remote request is pending
 *   -DSELFENTER enter_shared as first written: its own
 *               cache by tc_enter, skipped when a remote is using it
 *   -DFALLBACK -DNOACK  (below) a remote uses caches whose owners did not
 *               acknowledge fenced mode
 *   -DFALLBACK -DNOACKFLUSH  an acknowledgement in a shared pool leaves the
 *               items and cap_open as they are
 *
 * -DFALLBACK (issue 19) models membarrier failing at run time, in its worst
 * case: every remote's barrier fails.  Light sections - every fast path,
 * and a general path whose owner has not seen fenced mode yet (it may read
 * bpi_light stale) - may perform their gate or req load before their busy
 * store is visible, as NOFENCE; the first remote switches to fenced mode
 * (light = 0) and closes every gate; an owner in a fenced general section
 * that excludes remotes acknowledges (closes its gates, fenced = 1, and in
 * a shared pool moves its items to the depot, cap_open 0); a remote uses
 * only acknowledged caches' items and skips the others (their rings need
 * no handshake), and never reopens a gate.
 *
 * Properties (assert): a buffer is handed out only when nobody holds it; the
 * owner and a remote thread are never both inside a cache; every buffer that
 * exists is, in every state, in exactly one place (a holder, a cache's
 * items, a ring's [head, tail), the depot, or one thread's hands in
 * transit); head <= tail <= head + RN for every ring; once the pool is
 * shared (enter_shared done) no cache holds or may take a buffer privately;
 * at most CAP buffers are ever allocated; no deadlock (spin's invalid end
 * states); at the end, with every thread done, all buffers are idle. */

#ifndef NT
#define NT    2        /* worker threads */
#endif
#ifndef CAP
#define CAP   3        /* max_buffers: slots that may ever exist */
#endif
#ifndef PRE
#define PRE   0        /* buffers in the depot at the start (chains of 1) */
#endif
#ifndef CM
#define CM    1        /* cache_max: the items' size (cap_open when open) */
#endif
#ifndef RN
#define RN    2        /* RING_N: ring entries */
#endif
#ifndef KM
#define KM    2        /* claim_max: most buffers one claim takes */
#endif
#ifndef GETS
#define GETS  2        /* gets per worker */
#endif
#ifndef GETS0
#define GETS0 GETS     /* gets by worker 0 */
#endif
#ifndef GETS1
#define GETS1 GETS     /* gets by worker 1 */
#endif
#ifndef PASS
#define PASS  0        /* 1: worker 0 hands every buffer it gets to worker 1,
                          which releases it (a pipeline) */
#endif
#ifndef LIGHT
#define LIGHT 1        /* 1: light mode, the fast paths are used (the gates
                          matches); 0: every get and release takes the
                          general path (no membarrier, or per-buffer work) */
#endif
#ifndef TRIM
#define TRIM  0        /* 1: one more thread runs bp_pool_trim (a collect) */
#endif
#define HOLD  2        /* buffers a worker holds at once (at most) */
#if RN > KM
#define XN    RN       /* most entries one claim reads */
#else
#define XN    KM
#endif

#define NIL   255
#define ME    (me + 1)

/* FALLBACK: a remote uses only acknowledged caches (NOACK: every one). */
#if defined(FALLBACK) && !defined(NOACK)
#define USABLE(v) (c[v].fenced == 1)
#else
#define USABLE(v) 1
#endif
/* FALLBACK: every light section loads its gate or req early. */
#if defined(NOFENCE) || defined(FALLBACK)
#define EARLY 1
#endif
#define NH    (NT + 1) /* hands: the workers' and the trimmer's */

#ifdef NOTAG
#define TAG_ONE 0
#else
#define TAG_ONE 1
#endif

/* Coverage markers: -DCOVER=n turns marker n into a failing assertion, so
 * that a search shows a path that reaches it (check.sh --cover). */
#ifdef COVER
#define HIT(n) assert(COVER != n)
#else
#define HIT(n)
#endif

/* ring_claim's destinations */
#define TO_ITEMS 0     /* hand out the first, the rest into my items */
#define TO_USER  1     /* hand out the one */
#define TO_CHAIN 2     /* all onto the chain in my hands (tr[me]) */
/* ring_push's sources */
#define FROM_PEND  0   /* the buffer being released */
#define FROM_ITEM0 1   /* the oldest of my items */
#define FROM_TR    2   /* the first of the chain in my hands */

/* ---- shared state ------------------------------------------------------ */

/* struct tcache: items/n, copen (cap_open), popped (tc_pops != pops_seen),
 * src and hseen (ring.head_seen) are the owner's (a remote touches items,
 * n and copen only while it excludes the owner); busy (owner inside), req
 * (REQ_BUSY: a remote is using it), the fast paths' gates fgate (floor
 * closed) and cap (0 closed, else the release fast path's limit), rbusy
 * (one remote at a time).  ocs/rcs are ghosts: owner / remote inside. */
typedef tcache {
    byte items[CM];
    byte n;
    byte cap;
    byte copen;
    byte src;          /* the ring (its owner's number) last claimed from */
    byte hseen;
    bit  popped;
    bit  busy;
    bit  req;          /* REQ_NONE 0, REQ_BUSY 1 (REQ_CLOSED: not modelled) */
    bit  fgate;        /* floor = FLOOR_CLOSED */
    bit  rbusy;
    bit  fenced;       /* FALLBACK: the owner acknowledged fenced mode */
    bit  ocs;          /* ghost */
    bit  rcs           /* ghost */
};
tcache c[NT];

/* struct ring: e[], head (claimers' CAS), tail (the owner's); indices grow
 * (64 bits in C: they never wrap), e[i % RN]. */
typedef ring {
    byte e[RN];
    byte head;
    byte tail
};
ring rg[NT];

/* The depot head word: slot index + tag, changed by one CAS. */
byte d_idx = NIL;
byte d_tag = 0;

/* struct slot: next (link in a chain), mag_next (link between chains in the
 * depot).  Slots are never freed: a stale read is always possible. */
byte lnk[CAP];
byte mlnk[CAP];

byte refs;             /* pool->refs - 1: buffers allocated + reservations */
byte nslots;           /* pool->nslots: slots (buffers) created */
bit  shared;           /* pool->shared */
bit  key = LIGHT;      /* the gates are open: the fast paths are used */
bit  light = 1;        /* FALLBACK: bpi_light */

/* Ghosts. */
bit  shdone;           /* enter_shared has finished */
byte holder[CAP];      /* 0: not held by a user; else thread + 1 */
byte tr[NH];           /* a NIL-terminated chain in thread t's hands */
byte fl[NT];           /* FALLBACK: the chain an acknowledgement flushes */
byte pend[NT];         /* a buffer worker t is releasing */
byte mb = NIL;         /* PASS: a buffer on its way from worker 0 to 1 */
bit  fin0;             /* PASS: worker 0 has finished */
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
 * beyond the cap; the rings' invariant; shared mode caches nothing
 * privately.  Called at the end of every step that moves a buffer. */
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
        /* the ring: head <= tail <= head + RN, e[head .. tail) idle */
        assert(rg[ci].head <= rg[ci].tail && rg[ci].tail - rg[ci].head <= RN);
        ck = rg[ci].head;
        do
        :: ck < rg[ci].tail -> occ[rg[ci].e[ck % RN]]++; ck++
        :: else -> break
        od;
        /* shared (enter_shared done): no buffer is or can be cached
         * privately, so every idle one is in a ring or the depot (unless
         * a remote is still at work on the cache: it will take them) */
        assert(!shdone || c[ci].rbusy ||
#ifdef FALLBACK
               !c[ci].fenced ||  /* until its owner acknowledges */
#endif
               c[ci].n == 0 && c[ci].copen == 0 && c[ci].cap == 0);
        ci++
    :: else -> break
    od;
    ci = 0;
    do
    :: ci < NH -> walk(tr[ci]); ci++
    :: else -> break
    od;
    ci = 0;
    do
    :: ci < NT -> walk(fl[ci]); ci++
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

/* depot_put: pushes the chain CH (tr[me], or fl[me]; pieces of CACHE_MAX
 * = 63 >= CAP: one piece).  h = relaxed load; loop { mag_next = h.idx;
 * CAS }. */
inline depot_push(CH)
{
    d_step { hi = d_idx; ht = d_tag }
    do
    :: mlnk[CH] = hi;
        if
        :: d_step { d_idx == hi && d_tag == ht ->
               printf("T%d: depot push chain %d: head (%d,t%d) -> (%d,t%d)\n",
                      me, CH, hi, ht, CH, ht);
               d_idx = CH; CH = NIL; check() };
           break
        :: d_step { !(d_idx == hi && d_tag == ht) -> hi = d_idx; ht = d_tag; HIT(26) }
        fi
    od;
    hi = 0;                    /* (a plain statement ends the loop) */
    ht = 0
}

inline depot_put()
{
    depot_push(tr[me])
}

/* tc_enter (the general paths): ok = 1 inside, 0 when a remote is there
 * (the section is left again).  Store busy (seq_cst), then load req.
 * FALLBACK: a light section until the owner has seen light == 0 (it may
 * read it stale), then fenced ones; the first fenced one that gets in
 * acknowledges (tc_fence_ack): closes its gates, fenced = 1, and in a
 * shared pool moves its items to the depot (tc_flush) and leaves cap_open
 * 0, as tc_collect would have. */
inline tc_enter()
{
#ifdef FALLBACK
    if
    :: !seen0 && light == 0 -> seen0 = 1
    :: true
    fi;
    if
    :: !seen0 ->                         /* a light section: as NOFENCE */
        d_step { r = c[me].req };
        c[me].busy = 1;
        if
        :: d_step { r == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1; r = 0 }
        :: d_step { r != 0 -> c[me].busy = 0; ok = 0; r = 0 }
        fi
    :: else ->                           /* fenced: seq_cst */
        c[me].busy = 1;
        if
        :: d_step { c[me].req == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1 }
        :: d_step { c[me].req != 0 -> c[me].busy = 0; ok = 0; HIT(4) }
        fi;
        if
        :: ok && !c[me].fenced ->
            d_step {                     /* tc_fence_ack */
                c[me].cap = 0; c[me].fgate = 1; c[me].fenced = 1;
                printf("T%d: acknowledges fenced mode\n", me);
                if
#ifndef NOACKFLUSH
                :: shared ->             /* seq_cst load: tc_flush */
                    k = 0;
                    do
                    :: k < c[me].n ->
                        lnk[c[me].items[k]] = fl[me]; fl[me] = c[me].items[k];
                        c[me].items[k] = NIL; k++
                    :: else -> break
                    od;
                    c[me].n = 0; c[me].copen = 0; k = 0;
                    check(); HIT(32)
#endif
                :: else
                fi
            };
            if
            :: fl[me] != NIL -> depot_push(fl[me])
            :: else
            fi
        :: else
        fi
    fi
#elif defined(NOFENCE)
    /* The load performed before the busy store becomes visible. */
    d_step { r = c[me].req; printf("T%d: loads its req early (%d)\n", me, r) };
    d_step { c[me].busy = 1; printf("T%d: stores busy\n", me) };
    if
    :: d_step { r == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1; r = 0 }
    :: d_step { r != 0 -> c[me].busy = 0; ok = 0; r = 0 }
    fi
#else
    c[me].busy = 1;
    if
    :: d_step { c[me].req == 0 -> c[me].ocs = 1; assert(c[me].rcs == 0); ok = 1 }
    :: d_step { c[me].req != 0 -> c[me].busy = 0; ok = 0; HIT(4) }
    fi
#endif
}

inline tc_leave()
{
    d_step { c[me].ocs = 0; c[me].busy = 0 }
}

/* The fast paths' entry: store busy, then (one step, below) load the gate.
 * NOFENCE: the gate is loaded first. */
inline fast_begin(GATE)
{
#ifdef EARLY
    d_step { r = GATE; printf("T%d: loads its gate early (%d)\n", me, r) };
    d_step { c[me].busy = 1; printf("T%d: stores busy\n", me) }
#else
    c[me].busy = 1
#endif
}
#ifdef EARLY
#define GATE_VALUE(g) r
#else
#define GATE_VALUE(g) (g)
#endif

/* bp_pool_get's fast path: pops while the floor gate is open and n > 0
 * (floor = 0: peak marks are not modelled); got = 1 when it did.  The
 * owner's use of items and its leaving are one step with the gate load:
 * the remote side asserts that it never overlaps. */
inline fast_get()
{
    fast_begin(c[me].fgate);
    d_step {
        if
        :: GATE_VALUE(c[me].fgate) == 0 ->
            c[me].ocs = 1; assert(c[me].rcs == 0);
            if
            :: shared -> HIT(31)                 /* gates not closed yet */
            :: else
            fi;
            if
            :: c[me].n > 0 ->
                c[me].n--; b = c[me].items[c[me].n]; c[me].items[c[me].n] = NIL;
                c[me].popped = 1;
                printf("T%d: gets buffer %d from its items (fast)\n", me, b);
                take(b); check(); b = 0; got = 1; HIT(1)
            :: else
            fi;
            c[me].ocs = 0
        :: else
        fi;
        c[me].busy = 0; r = 0
    }
}

/* pool_release's fast path: caches pend[me] while n < cap (the cap gate,
 * 0 when closed); ok = 1 when it did. */
inline fast_put()
{
    fast_begin(c[me].cap);
    d_step {
        if
        :: GATE_VALUE(c[me].cap) > 0 ->
            c[me].ocs = 1; assert(c[me].rcs == 0);
            if
            :: c[me].n < GATE_VALUE(c[me].cap) ->
                printf("T%d: caches buffer %d in its items (fast)\n", me, pend[me]);
                c[me].items[c[me].n] = pend[me]; c[me].n++; pend[me] = NIL;
                check(); ok = 1; HIT(2)
            :: else
            fi;
            c[me].ocs = 0
        :: else
        fi;
        c[me].busy = 0; r = 0
    }
}

/* tc_pop (get_once): the general path's pop; got = 1 when it did. */
inline tc_pop()
{
#ifdef EARLY
    tc_enter();
    if
    :: ok ->
        d_step {
            if
            :: c[me].n > 0 ->
                c[me].n--; b = c[me].items[c[me].n]; c[me].items[c[me].n] = NIL;
                c[me].popped = 1; take(b); check(); b = 0; got = 1
            :: else
            fi
        };
        tc_leave()
    :: else
    fi;
    ok = 0
#else
    c[me].busy = 1;
    d_step {
        if
        :: c[me].req == 0 ->
            c[me].ocs = 1; assert(c[me].rcs == 0);
            if
            :: c[me].n > 0 ->
                c[me].n--; b = c[me].items[c[me].n]; c[me].items[c[me].n] = NIL;
                c[me].popped = 1;
                printf("T%d: gets buffer %d from its items\n", me, b);
                take(b); check(); b = 0; got = 1; HIT(3)
            :: else
            fi;
            c[me].ocs = 0
        :: else
        fi;
        c[me].busy = 0
    }
#endif
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
        :: d_step { !(d_idx == hi && d_tag == ht) -> hi = d_idx; ht = d_tag; HIT(27) }
        fi
    od;
    hi = 0;
    d_step { ht = 0; nx = 0 }
}

/* ring_claim (ring.h): claims up to K of ring R's oldest entries:
 * load head, load tail (acquire), read e[head .. head + m) (relaxed, in
 * the same step: an entry can be overwritten only after head moved past
 * it, and then the CAS fails), then CAS head -> head + m; on failure retry
 * with the head the CAS saw.  m = how many (0: empty).  DEST: TO_ITEMS
 * (claim() with tc, in my critical section: the first is handed out, the
 * rest go into my items, a pop is counted), TO_USER (claim() without tc),
 * TO_CHAIN (ring_put's overflow, ring_drain: all prepended to tr[me]). */
inline ring_read(R, K)
{
    t = rg[R].tail;
    m = (t > hh -> (t - hh < K -> t - hh : K) : 0);
    x = 0;
    do
    :: x < m -> ent[x] = rg[R].e[(hh + x) % RN]; x++
    :: else -> break
    od;
    x = 0
}

inline ring_claim(R, K, DEST, HITOK, HITNONE)
{
    d_step { hh = rg[R].head; ring_read(R, K) };
    do
    :: m == 0 -> break
    :: m > 0 ->
        if
        :: d_step {
#ifndef NOCAS
               rg[R].head == hh ->
#endif
               printf("T%d: claims %d from T%d's ring: head %d -> %d (entries %d %d)\n",
                      me, m, R, hh, hh + m, ent[0], ent[1]);
               rg[R].head = hh + m;
               if
               :: DEST == TO_CHAIN ->
                   x = 0;
                   do
                   :: x < m -> lnk[ent[x]] = tr[me]; tr[me] = ent[x]; x++
                   :: else -> break
                   od
               :: DEST == TO_ITEMS ->
                   take(ent[0]);
                   x = 1;
                   do
                   :: x < m -> c[me].items[c[me].n] = ent[x]; c[me].n++; x++
                   :: else -> break
                   od;
                   c[me].popped = 1; got = 1
               :: DEST == TO_USER -> take(ent[0]); got = 1
               fi;
               check();
               x = 0; HIT(HITOK);
               if
               :: m > 1 -> HIT(18)
               :: else
               fi };
           break
#ifndef NOCAS
        :: d_step { rg[R].head != hh ->
               HIT(10);
               if
               :: ent[0] != rg[R].e[hh % RN] -> HIT(11)   /* overwritten */
               :: else
               fi;
               hh = rg[R].head; ring_read(R, K) }
#endif
        fi
    od;
    hh = 0;                    /* (a plain statement ends the loop) */
    d_step {
        if
        :: m == 0 -> HIT(HITNONE)
        :: else
        fi;
        t = 0; x = 0;
        do
        :: x < XN -> ent[x] = 0; x++
        :: else -> break
        od;
        x = 0
    }
}

/* claim() with my cache, in my critical section: k = min(room + 1,
 * claim_max), room = cap_open - n. */
inline claim_mine(R, HITOK)
{
    d_step { k = (c[me].copen > c[me].n -> c[me].copen - c[me].n : 0) + 1;
             k = (k < KM -> k : KM) };
    ring_claim(R, k, TO_ITEMS, HITOK, 0);
    d_step { k = 0; m = 0 }
}

/* ring_push (the owner): appends SRC to its ring; pushed = 0 when full.
 * Full by head_seen: re-read head (acquire) and test again.  The entry
 * store and the tail store (release) are one step: a claim that could
 * read the entry before it is stored fails its CAS (see ring_claim). */
inline push_now(SRC)
{
    d_step {
        if
        :: SRC == FROM_PEND -> b = pend[me]; pend[me] = NIL; HIT(7)
        :: SRC == FROM_TR -> b = tr[me]; tr[me] = lnk[b]; lnk[b] = NIL
        :: SRC == FROM_ITEM0 ->
            b = c[me].items[0];
            x = 0;
            do
            :: x + 1 < c[me].n -> c[me].items[x] = c[me].items[x + 1]; x++
            :: else -> break
            od;
            c[me].n--; c[me].items[c[me].n] = NIL; x = 0
        fi;
        printf("T%d: pushes buffer %d on its ring at %d\n", me, b, rg[me].tail);
        rg[me].e[rg[me].tail % RN] = b; rg[me].tail++;
        check(); b = 0; pushed = 1
    }
}

inline ring_push(SRC)
{
#ifdef NOFULLCHECK
    push_now(SRC)
#else
    if
    :: rg[me].tail - c[me].hseen < RN -> push_now(SRC)
    :: rg[me].tail - c[me].hseen >= RN ->
        d_step {
            c[me].hseen = rg[me].head; pushed = (rg[me].tail - c[me].hseen < RN);
            if
            :: pushed -> HIT(9)
            :: else -> HIT(8)
            fi
        };
        if
        :: pushed -> push_now(SRC)
        :: else
        fi
    fi
#endif
}

/* ring_put (in the owner's critical section): push; when the ring is full,
 * claim its oldest (all of them: CACHE_MAX >= RN) and give them to the
 * depot as a chain, then push again. */
inline ring_put(SRC)
{
    do
    :: ring_push(SRC);
        if
        :: pushed -> break
        :: else ->
            printf("T%d: its ring is full\n", me);
            ring_claim(me, RN, TO_CHAIN, 16, 19);
            m = 0;
            if
            :: tr[me] != NIL -> depot_put()
            :: else
            fi
        fi
    od;
    pushed = 0
}

/* cache_put (bpi_release_slow, in the owner's critical section): items
 * full (n >= cap_open > 0): a thread that popped nothing since it last
 * overflowed stops caching (cap_open = cap = 0) and moves all its items to
 * its ring, else the n / 2 + 1 oldest; then pend[me] into the items while
 * n < cap_open, else into the ring. */
inline cache_put()
{
    if
    :: d_step { c[me].n >= c[me].copen && c[me].copen > 0 ->
           k = (c[me].popped -> c[me].n / 2 + 1 : c[me].n);
           if
           :: !c[me].popped ->
               printf("T%d: items full, no pops: stops caching\n", me);
               c[me].copen = 0; c[me].cap = 0; HIT(6)
           :: else -> HIT(5)
           fi;
           c[me].popped = 0 };
        do                                   /* items_to_ring */
        :: k > 0 -> k--; ring_put(FROM_ITEM0)
        :: else -> break
        od
    :: else
    fi;
    if
    :: d_step { c[me].n < c[me].copen ->
           printf("T%d: caches buffer %d in its items\n", me, pend[me]);
           c[me].items[c[me].n] = pend[me]; c[me].n++; pend[me] = NIL; check() }
    :: else -> ring_put(FROM_PEND)
    fi
}

/* pool_release's fast path, else bpi_release_slow: cache_put, else (a
 * remote is using the cache) the depot, a chain of one. */
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
    if                                       /* the gate (relaxed) */
    :: key -> fast_put()
    :: else
    fi;
    if
    :: !ok ->
        tc_enter();
        if
        :: ok -> cache_put(); tc_leave()
        :: else ->
            d_step { lnk[pend[me]] = NIL; tr[me] = pend[me]; pend[me] = NIL;
                     check(); HIT(25) };
            depot_put()
        fi
    :: else
    fi;
    ok = 0
}

/* tc_collect(close = false, all = true) (enter_shared, trim):
 * claim every cache but SELF (rbusy, registry order) and post the request
 * (req, then tc_block closes both gates); then, in reverse order, wait for
 * its owner to leave, take its items and drain its ring (claims) onto
 * tr[me], set cap_open 0 if the pool is shared, open the gates (tc_unblock:
 * cap = cap_open), clear req, release rbusy. */
inline collect(SELF)
{
    v = 0;
    do
    :: v < NT ->
        if
        :: v != SELF ->
            d_step { c[v].rbusy == 0 -> c[v].rbusy = 1 };
            d_step {                     /* seq_cst: the Dekker stores */
                c[v].req = 1;
                printf("T%d: sets T%d's req\n", me, v)
            };
#ifndef NOGATE
            d_step { c[v].cap = 0; c[v].fgate = 1 };   /* tc_block */
#endif
            claimed = claimed | (1 << v)
        :: else
        fi;
        v++
    :: else -> break
    od;
    /* (bpi_heavy_barrier: nothing to model under seq_cst) */
#ifdef FALLBACK
    /* ... it fails: fenced mode, every gate of the pool closed
     * (tc_go_fenced); this thread's own sections are fenced from now on,
     * and so is its own cache (tc_collect: "mine"). */
    light = 0;
    d_step {
        k = 0;
        do
        :: k < NT -> c[k].cap = 0; c[k].fgate = 1; k++
        :: else -> break
        od;
        k = 0;
        seen0 = 1;
        if
        :: me < NT && (claimed & (1 << me)) -> c[me].fenced = 1
        :: else
        fi
    };
#endif
    v = NT;
    do
    :: v > 0 ->
        v--;
        if
        :: (claimed & (1 << v)) && !USABLE(v) ->
            d_step {                     /* not acknowledged: skip it */
                printf("T%d: skips T%d's cache (not acknowledged)\n", me, v);
                HIT(33)
            };
            /* its ring needs no handshake (trim's rings_take) */
            d_step { snap = rg[v].tail - rg[v].head };
            do
            :: snap > 0 ->
                ring_claim(v, snap, TO_CHAIN, 17, 20);
                if
                :: m == 0 -> break
                :: else -> snap = snap - m; m = 0
                fi
            :: else -> break
            od;
            snap = 0;
            m = 0;
            d_step { c[v].req = 0; c[v].rbusy = 0 }   /* gates stay closed */
        :: (claimed & (1 << v)) && USABLE(v) ->
            d_step { c[v].busy == 0 ->   /* seq_cst load */
                printf("T%d: sees T%d's busy clear: uses its cache\n", me, v);
                c[v].rcs = 1; assert(c[v].ocs == 0) };
            d_step {
                printf("T%d: collects %d buffers from T%d's items\n", me, c[v].n, v);
                k = 0;
                do
                :: k < c[v].n ->
                    lnk[c[v].items[k]] = tr[me]; tr[me] = c[v].items[k];
                    c[v].items[k] = NIL; k++
                :: else -> break
                od;
                if
                :: c[v].n > 0 -> HIT(29)
                :: else
                fi;
                c[v].n = 0; k = 0;
                check()
            };
            /* ring_drain: claims what it saw there (the owner pushes
             * nothing meanwhile; other claimers may race) */
            d_step { snap = rg[v].tail - rg[v].head };
            do
            :: snap > 0 ->
                ring_claim(v, snap, TO_CHAIN, 17, 20);
                if
                :: m == 0 -> break
                :: else -> snap = snap - m; m = 0
                fi
            :: else -> break
            od;
            snap = 0;
            m = 0;
            d_step {                     /* relaxed load of shared */
                if
                :: shared -> c[v].copen = 0
                :: else
                fi;
                printf("T%d: reads shared (%d); T%d's cap_open is %d\n",
                       me, shared, v, c[v].copen)
            };
#ifdef FALLBACK
            c[v].rcs = 0;                /* tc_unblock: gates stay closed */
#else
            d_step {                     /* tc_unblock */
                c[v].rcs = 0; c[v].cap = c[v].copen; c[v].fgate = 0;
                printf("T%d: opens T%d's gates (cap %d)\n", me, v, c[v].cap)
            };
#endif
            d_step {
                c[v].req = 0; c[v].rbusy = 0;
                printf("T%d: clears T%d's req\n", me, v)
            }
        :: else
        fi
    :: else -> break
    od;
    claimed = 0
}

/* get_from_chain: hand out the first of tr[me]; cache_fill the rest (items up
 * to cap_open, then the ring while it has room, then the depot), or give
 * it to the depot when the cache is busy. */
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
            d_step {                     /* cache_fill: items */
                do
                :: tr[me] != NIL && c[me].n < c[me].copen ->
                    b = tr[me]; tr[me] = lnk[b]; lnk[b] = NIL;
                    c[me].items[c[me].n] = b; c[me].n++; HIT(30)
                :: else -> break
                od;
                b = 0;
                check()
            };
            do                           /* cache_fill: the ring */
            :: tr[me] != NIL ->
                ring_push(FROM_TR);
                if
                :: pushed -> pushed = 0; HIT(21)
                :: else -> HIT(22); break
                fi
            :: else -> break
            od;
            if
            :: tr[me] != NIL -> depot_put()   /* depot_put_chain */
            :: else
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
        d_step { r = 0; printf("T%d: get fails (at the cap)\n", me); HIT(28) }
    :: r < CAP ->
        d_step {
            b = nslots; nslots++;
            printf("T%d: allocates buffer %d\n", me, b);
            take(b); check(); b = 0; r = 0
        }
    fi
}

/* tc_open_cap (in the owner's critical section): unless open or shared
 * (seq_cst load), cap_open = cache_max and cap = cap_open (seq_cst store),
 * then load req (seq_cst) and close the cap again if it is set. */
inline tc_open_cap()
{
    if
    :: d_step { c[me].copen == 0 && !shared ->
           c[me].copen = CM; c[me].popped = 0 };
#ifdef FALLBACK
        /* gates_open_ok: not in an acknowledged cache, nor once this
         * thread has seen light == 0 (relaxed: it may read 1 stale) */
        if
        :: !c[me].fenced && !seen0 ->
#endif
        d_step { c[me].cap = CM; printf("T%d: opens its cap\n", me) };
#ifndef NOREOPENCHECK
        d_step {
            if
#ifdef FALLBACK
            :: c[me].req || light == 0 -> c[me].cap = 0; HIT(23);
#else
            :: c[me].req -> c[me].cap = 0; HIT(23);
#endif
                printf("T%d: sees req: closes its cap again\n", me)
            :: else
            fi
        }
#endif
#ifdef FALLBACK
        :: else
        fi
#endif
    :: else
    fi
}

/* steal: the first other ring that looks non-empty (relaxed hint):
 * claim into my items in my critical section, remembering it as src; with
 * a busy cache just one. */
inline steal()
{
    v = 0;
    do
    :: v < NT && !got ->
        if
        :: v != me && rg[v].tail != rg[v].head ->
            tc_enter();
            if
            :: ok ->
                claim_mine(v, 14);
                if
                :: got -> c[me].src = v
                :: else
                fi;
                tc_leave()
            :: else -> ring_claim(v, 1, TO_USER, 15, 0); m = 0
            fi;
            ok = 0
        :: else
        fi;
        v++
    :: else -> break
    od;
    v = 0
}

/* enter_shared: once (exchange shared); the fast paths off (the gates); then
 * every cache's items and ring to the depot, cap_open 0.  did = 1 when it
 * did.  lib/pool.c (SELFENTER): its own cache by tc_enter (skipped when a
 * remote is using it), the others by tc_collect(p, self, ...).  The
 * fix: tc_collect of every cache, its own through the handshake
 * like the others. */
inline enter_shared()
{
    d_step { did = !shared; shared = 1 };
    if
    :: did ->
        printf("T%d: enters shared mode\n", me);
        key = 0;
#ifdef SELFENTER
        tc_enter();
        if
        :: ok ->
            d_step {
                c[me].copen = 0; c[me].cap = 0;
                k = 0;                       /* tc_flush(CACHE_MAX) */
                do
                :: k < c[me].n ->
                    lnk[c[me].items[k]] = tr[me]; tr[me] = c[me].items[k];
                    c[me].items[k] = NIL; k++
                :: else -> break
                od;
                c[me].n = 0; k = 0;
                check()
            };
            if
            :: tr[me] != NIL -> depot_put()
            :: else
            fi;
            tc_leave()
        :: else -> printf("T%d: its cache is busy: skips it\n", me)
        fi;
        ok = 0;
        collect(me);
#else
        collect(NIL);
#endif
        if
        :: tr[me] != NIL -> depot_put()      /* depot_put_chain */
        :: else
        fi;
        d_step { shdone = 1; check(); HIT(24) }
    :: else
    fi
}

/* get_slow: in my critical section open my cap and claim from my ring,
 * then from src; then the depot (get_from_chain), then steal; at the cap
 * enter_shared (once) and look again; else get_new. */
inline get_slow()
{
    tc_enter();
    if
    :: ok ->
        tc_open_cap();
        claim_mine(me, 12);
        if
        :: !got && c[me].src != NIL && c[me].src != me -> claim_mine(c[me].src, 13)
        :: else
        fi;
        tc_leave()
    :: else
    fi;
    ok = 0;
    do
    :: got -> break
    :: !got ->
        depot_take();
        if
        :: tr[me] != NIL -> get_from_chain(); got = 1; break
        :: else
        fi;
        steal();
        if
        :: got || again -> break
        :: !got && !again && refs < CAP -> break        /* at_cap (relaxed) */
        :: !got && !again && refs >= CAP ->
            enter_shared();
            if
            :: did -> did = 0; again = 1
            :: else -> break
            fi
        fi
    od;
    again = 0;
    if
    :: !got -> get_new()
    :: else
    fi
}

/* bp_pool_get: the fast path (while the gates are open), else get_once:
 * tc_pop, else get_slow. */
inline get()
{
    if
    :: key -> fast_get()
    :: else
    fi;
    if
    :: !got -> tc_pop()
    :: else
    fi;
    if
    :: !got -> get_slow()
    :: else
    fi;
    got = 0
}

proctype worker(byte me)
{
    byte held[HOLD];
    byte ent[XN];
    byte nheld, gets, b, hi, ht, nx, k, v, r, claimed, hh, t, m, x, snap;
    bit ok, got, pushed, again, did, seen0;

    held[0] = NIL; held[1] = NIL;
    if
    :: me == NT ->                            /* the trimmer */
        /* bp_pool_trim(p, keep everything): collect_idle (every cache;
         * the depot's own chains are left there), back to the depot */
        collect(NIL);
        if
        :: tr[me] != NIL -> depot_put()
        :: else
        fi
    :: else ->
        gets = (me == 0 -> GETS0 : (me == 1 -> GETS1 : GETS));
        do
        :: gets > 0 && nheld < HOLD -> gets--; get()
        :: nheld > 0 && !(PASS && me == 0) -> release()
        :: PASS && me == 0 && nheld > 0 && mb == NIL ->    /* hand over */
            if
            :: held[0] != NIL -> d_step { b = held[0]; held[0] = NIL }
            :: held[1] != NIL -> d_step { b = held[1]; held[1] = NIL }
            fi;
            d_step { mb = b; holder[b] = 2; nheld--; b = 0;
                     printf("T0: hands buffer %d to T1\n", mb) }
        :: PASS && me == 1 && mb != NIL && nheld < HOLD ->
            d_step {
                if
                :: held[0] == NIL -> held[0] = mb
                :: else -> held[1] = mb
                fi;
                nheld++; mb = NIL
            }
        :: gets == 0 && nheld == 0 && !(PASS && me == 1 && (mb != NIL || !fin0)) ->
            break
        od;
        if
        :: me == 0 -> fin0 = 1
        :: else
        fi
    fi;
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
        :: i < NH -> tr[i] = NIL; i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < NT ->
            pend[i] = NIL; c[i].src = NIL; fl[i] = NIL;
            ck = 0;
            do
            :: ck < CM -> c[i].items[ck] = NIL; ck++
            :: else -> break
            od;
            ck = 0;
            do
            :: ck < RN -> rg[i].e[ck] = NIL; ck++
            :: else -> break
            od;
            ck = 0;
            i++
        :: else -> break
        od;
        i = 0;
        check();
        do
        :: i < NT + TRIM -> run worker(i); i++
        :: else -> break
        od;
        i = 0
    };
    /* The end: every thread done, every buffer idle exactly once. */
    done == NT + TRIM;
    d_step {
        check();
        i = 0;
        do
        :: i < CAP -> assert(holder[i] == 0); i++
        :: else -> break
        od;
        assert(mb == NIL);
        i = 0;
        do
        :: i < NT ->
            assert(pend[i] == NIL && c[i].req == 0 && c[i].rbusy == 0 &&
                   c[i].busy == 0 && c[i].cap <= c[i].copen &&
                   fl[i] == NIL);
#ifndef FALLBACK
            assert(c[i].fgate == 0);
#endif
            i++
        :: else -> break
        od;
        i = 0;
        do
        :: i < NH -> assert(tr[i] == NIL); i++
        :: else -> break
        od
    }
}
