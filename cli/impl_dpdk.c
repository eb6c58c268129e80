/* impl_dpdk.c - DPDK's rte_mempool with a per-lcore cache, the reference
 * for hand-off between threads (a packet is allocated on one core and
 * freed on another).  Built only when configure found libdpdk.
 *
 * The EAL starts once per process, at the first pool, without hugepages,
 * PCI, shared config or telemetry and with lcore 0 only
 * (--no-huge --no-pci --no-shconf -l 0 --no-telemetry), which works
 * unprivileged; rte_eal_init pins the calling thread to lcore 0's CPU, so
 * the main thread's affinity is restored afterwards (the workload's threads
 * inherit it).  Each workload thread registers as an lcore with
 * rte_thread_register, which gives it a cache in every mempool.
 *
 * A mempool's population is fixed when it is made, so each is sized from
 * the workload: the most buffers it holds at once plus what the lcore
 * caches can keep (1.5 x the cache size each, DPDK's flush threshold),
 * so that a get never fails for want of a buffer idle in another cache.
 * The memory is our own anonymous mapping (MAP_NORESERVE: pages are
 * touched only as they are used) given to rte_mempool_populate_iova; the
 * EAL heap only holds the mempool's header, caches and ring. */
#define _GNU_SOURCE 1
#include "config.h"

#include "bench.h"
#include "workload.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_version.h>

/* Objects per lcore cache: what DPDK's examples use for their mbuf pools,
 * and what issue 12's table measured. */
#define DPDK_CACHE 256u

typedef struct dpdk_ctx {
    struct rte_mempool *mp;
    void   *mem;
    size_t  len, size;
    bool    zero;
    unsigned n;
} dpdk_ctx;

static pthread_once_t eal_once = PTHREAD_ONCE_INIT;
static int eal_error;          /* 0 or a positive errno */

static void eal_stop(void)
{
    rte_eal_cleanup();
}

static void eal_start(void)
{
    char *argv[] = {
        "bufpool-bench", "--no-huge", "--no-pci", "--no-shconf", "-l", "0",
        "--no-telemetry", "-m", "512", "--log-level=*:error", NULL,
    };
    cpu_set_t saved;
    bool restore = sched_getaffinity(0, sizeof saved, &saved) == 0;
    /* rte_eal_init may reorder argv. */
    if (rte_eal_init((int)(sizeof argv / sizeof argv[0]) - 1, argv) < 0) {
        eal_error = rte_errno > 0 ? rte_errno : EINVAL;
        return;
    }
    if (restore)
        sched_setaffinity(0, sizeof saved, &saved);
    atexit(eal_stop);
}

static const char *dpdk_check(const bench_config *cfg)
{
    /* lcore 0 is the EAL's main thread; every workload thread needs one. */
    if (workload_nthreads(cfg) > RTE_MAX_LCORE - 1) {
        static char why[96];
        snprintf(why, sizeof why, "DPDK has %d lcores: at most %d threads",
                 RTE_MAX_LCORE, RTE_MAX_LCORE - 1);
        return why;
    }
    return NULL;
}

static int dpdk_open(const bench_config *cfg, void **ctxp)
{
    static atomic_uint serial;
    pthread_once(&eal_once, eal_start);
    if (eal_error)
        return -eal_error;
    dpdk_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    uint64_t n = workload_pool_held(cfg) +
                 (uint64_t)workload_nthreads(cfg) * (DPDK_CACHE * 3 / 2) + 1;
    /* No device does DMA from these: objects may straddle pages. */
    const unsigned flags = RTE_MEMPOOL_F_NO_IOVA_CONTIG;
    struct rte_mempool_objsz sz;
    uint32_t elt = rte_mempool_calc_obj_size((uint32_t)cfg->size, flags, &sz);
    if (cfg->size > UINT32_MAX / 2 || n > UINT32_MAX ||
        n > (SIZE_MAX - 2 * 4096) / elt) {
        free(c);
        return -ENOMEM;
    }
    c->n = (unsigned)n;
    c->size = cfg->size;
    c->zero = cfg->zero;
    c->len = (size_t)n * elt + 2 * 4096;
    c->mem = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c->mem == MAP_FAILED) {
        free(c);
        return -ENOMEM;
    }
    char name[RTE_MEMPOOL_NAMESIZE];
    snprintf(name, sizeof name, "bpb%u", atomic_fetch_add(&serial, 1));
    int e = 0;
    c->mp = rte_mempool_create_empty(name, c->n, (unsigned)cfg->size, DPDK_CACHE,
                                     0, SOCKET_ID_ANY, flags);
    if (!c->mp)
        e = rte_errno > 0 ? rte_errno : ENOMEM;
    else if ((e = -rte_mempool_set_ops_byname(c->mp, "ring_mp_mc", NULL)) == 0) {
        int got = rte_mempool_populate_iova(c->mp, c->mem, RTE_BAD_IOVA, c->len,
                                            NULL, NULL);
        if (got < 0)
            e = -got;
        else if ((unsigned)got < c->n)
            e = ENOMEM;
    }
    if (e) {
        rte_mempool_free(c->mp);
        munmap(c->mem, c->len);
        free(c);
        return -e;
    }
    *ctxp = c;
    return 0;
}

static int dpdk_get(void *ctx, bench_item *it)
{
    dpdk_ctx *c = ctx;
    void *obj;
    /* Sized so that it cannot run out: a failure is a lost buffer. */
    if (rte_mempool_get(c->mp, &obj) < 0)
        return -ENOBUFS;
    if (c->zero)
        memset(obj, 0, c->size);
    it->handle = obj;
    it->data = obj;
    return 0;
}

static void dpdk_release(void *ctx, bench_item *it)
{
    dpdk_ctx *c = ctx;
    rte_mempool_put(c->mp, it->handle);
}

static void dpdk_stats(void *ctx, uint64_t gets, impl_stats *out)
{
    dpdk_ctx *c = ctx;
    out->allocs = c->n;                 /* all made with the pool */
    out->reuses = (int64_t)gets;
    out->peak_in_use = -1;
    /* Walks the lcore caches: exact once the threads are joined. */
    out->in_use = rte_mempool_in_use_count(c->mp);
    out->idle = rte_mempool_avail_count(c->mp);
    out->peak_bytes = (int64_t)c->n * (int64_t)c->size;
}

static void dpdk_close(void *ctx)
{
    dpdk_ctx *c = ctx;
    rte_mempool_free(c->mp);
    munmap(c->mem, c->len);
    free(c);
}

static int dpdk_thread_start(void)
{
    if (rte_thread_register() < 0)
        return -(rte_errno > 0 ? rte_errno : EINVAL);
    return 0;
}

static void dpdk_thread_stop(void)
{
    rte_thread_unregister();
}

static const char *dpdk_version(void)
{
    return rte_version();
}

const impl_ops impl_dpdk = {
    .name = "dpdk",
    .describe = "DPDK's rte_mempool, per-lcore cache of 256: rte_mempool_get "
                "/ rte_mempool_put",
    .open = dpdk_open,
    .get = dpdk_get,
    .release = dpdk_release,
    .stats = dpdk_stats,
    .close = dpdk_close,
    .check = dpdk_check,
    .thread_start = dpdk_thread_start,
    .thread_stop = dpdk_thread_stop,
    .version = dpdk_version,
};
