/* impls.c - the implementations this bufpool-bench was built with, in the
 * order --impl all runs them.  The first bench_ndefault are the default
 * set (bufpool and its classic baselines); the peers after them (none,
 * dpdk, gstreamer) run when named or with --impl all.  Optional ones are
 * in only when configure found them (HAVE_AVUTIL, HAVE_DPDK,
 * HAVE_GSTREAMER). */
#include "config.h"

#include "bench.h"

#include <string.h>

const impl_ops *const bench_impls[] = {
    &impl_bufpool,
    &impl_malloc,
#ifdef HAVE_AVUTIL
    &impl_ffmpeg,
#endif
    &impl_none,
#ifdef BENCH_DPDK
    &impl_dpdk,
#endif
#ifdef BENCH_GSTREAMER
    &impl_gstreamer,
#endif
};
const int bench_nimpls = (int)(sizeof bench_impls / sizeof bench_impls[0]);
#ifdef HAVE_AVUTIL
const int bench_ndefault = 3;
#else
const int bench_ndefault = 2;
#endif

const char *bench_impl_names(void)
{
    static char names[128];
    if (!names[0])
        for (int i = 0; i < bench_nimpls; i++) {
            if (i)
                strcat(names, ", ");
            strcat(names, bench_impls[i]->name);
        }
    return names;
}
