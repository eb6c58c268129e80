/* bp_pool_get_info and bp_pool_dump (issue 19, row 10): a pool's
 * parameters and footprint from a bp_pool *, and a dump for people. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static bp_pool_info info_of(bp_pool *p)
{
    bp_pool_info in = BP_POOL_INFO_INIT;
    if (bp_pool_get_info(p, &in) != 0)
        memset(&in, 0xEE, sizeof in);
    return in;
}

static bp_ref *cb_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return bp_alloc(size + 10);
}

static void test_own_allocation(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 1000, .min_buffers = 3,
                                             .max_buffers = 9));
    bp_pool_info in = info_of(p);
    is_u64(in.struct_size, sizeof in, "struct_size as compiled");
    is_u64(in.size, 1000, "size");
    is_u64(in.align, 64, "align: 64 by default");
    ok(in.overhead >= 64 && in.overhead <= 256, "overhead per buffer: %zu "
       "bytes", in.overhead);
    is_u64(in.buffer_bytes, 1024 + in.overhead,
           "bytes per buffer: 1000 rounded up to 64, plus the overhead");
    is_u64(in.buffers, 3, "the 3 min_buffers are allocated");
    size_t base = in.bytes - 3 * 1024;
    ok(in.bytes > 3 * in.buffer_bytes, "bytes held %zu > 3 buffers", in.bytes);
    is_u64(in.cache, 63, "cache: 63 per thread for 1000-byte buffers");
    is_u64(in.threads, 0, "no thread has a cache yet");
    ok(in.min_buffers == 3 && in.max_buffers == 9 && in.flags == 0 &&
       in.flushing == 0, "min 3, max 9, flags 0, not flushing");

    bp_ref *r[5];
    for (int k = 0; k < 5; k++)
        r[k] = bp_pool_get(p);
    in = info_of(p);
    ok(in.buffers == 5 && in.threads == 1,
       "5 out: buffers %zu, one thread's cache", in.buffers);
    ok(in.bytes >= base + 5 * 1024, "bytes held grew by the 2 new buffers' "
       "data at least (%zu)", in.bytes);
    for (int k = 0; k < 5; k++)
        bp_unref(&r[k]);
    bp_pool_trim(p, 0);
    in = info_of(p);
    ok(in.buffers == 0 && in.bytes < base + 1024,
       "after trim(0): buffers 0, bytes %zu (the bookkeeping)", in.bytes);
    bp_pool_set_flushing(p, 1);
    is_int(info_of(p).flushing, 1, "flushing 1 while set");
    bp_pool_set_flushing(p, 0);
    is_int(info_of(p).flushing, 0, "flushing 0 when undone");
    bp_pool_uninit(&p);

    p = bp_pool_new(&BP_POOL_CONFIG(.size = 100, .align = 4096, .cache = 5,
                                    .flags = BP_POOL_ZERO));
    in = info_of(p);
    ok(in.align == 4096 && in.buffer_bytes == 4096 + in.overhead &&
       in.cache == 5 && in.flags == BP_POOL_ZERO,
       "align 4096: %zu bytes per buffer, cache 5, flags ZERO",
       in.buffer_bytes);
    bp_pool_uninit(&p);
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 1 << 20, .flags = BP_POOL_NO_CACHE));
    is_u64(info_of(p).cache, 0, "BP_POOL_NO_CACHE: cache 0");
    bp_pool_uninit(&p);
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 1 << 20));
    is_u64(info_of(p).cache, 8, "1 MiB buffers: cache 8 per thread");
    bp_pool_uninit(&p);
}

static void test_callback(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 1000, .alloc = cb_alloc));
    bp_pool_info in = info_of(p);
    ok(in.align == 0 && in.buffer_bytes == 1000 + in.overhead,
       "alloc callback without align: align 0, size + overhead per buffer");
    bp_pool_uninit(&p);
    p = bp_pool_new(&BP_POOL_CONFIG(.size = 1000, .align = 64,
                                    .alloc = cb_alloc));
    is_u64(info_of(p).align, 64, "alloc callback with align 64: align 64");
    bp_pool_uninit(&p);
}

static void test_struct_size(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    bp_pool_info in = BP_POOL_INFO_INIT;
    is_int(bp_pool_get_info(NULL, &in), -EINVAL, "get_info(NULL, ...): -EINVAL");
    is_int(bp_pool_get_info(p, NULL), -EINVAL, "get_info(p, NULL): -EINVAL");
    bp_pool_info zero = { 0 };
    is_int(bp_pool_get_info(p, &zero), -EINVAL, "struct_size 0: -EINVAL");
    struct { bp_pool_info in; size_t newer[2]; } big;
    memset(&big, 0xEE, sizeof big);
    big.in.struct_size = sizeof big;
    is_int(bp_pool_get_info(p, &big.in), 0, "a newer header's bigger struct");
    ok(big.newer[0] == 0 && big.newer[1] == 0 && big.in.size == 64 &&
       big.in.struct_size == sizeof big,
       "its fields this library does not know are 0");
    bp_pool_uninit(&p);
}

static void test_dump(void)
{
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 1000, .max_buffers = 4));
    bp_ref *r = bp_pool_get(p), *s = bp_pool_get(p);
    bp_unref(&s);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    is_int(bp_pool_dump(p, f), 0, "dump: 0");
    fclose(f);
    ok(text && strstr(text, "size 1000, align 64") &&
       strstr(text, "buffers 2 (min 0, max 4)") &&
       strstr(text, "gets 2, reuses 0, allocs 2, failures 0, in_use 1, "
              "idle 1") &&
       strstr(text, "thread cache 0: 1 idle"),
       "dump names the parameters, the stats and each thread's cache");
    for (char *ln = text ? strtok(text, "\n") : NULL; ln;
         ln = strtok(NULL, "\n"))
        diag("%s", ln);
    free(text);
    is_int(bp_pool_dump(NULL, stdout), -EINVAL, "dump(NULL, f): -EINVAL");
    is_int(bp_pool_dump(p, NULL), -EINVAL, "dump(p, NULL): -EINVAL");
    f = fopen("/dev/null", "r");
    is_int(bp_pool_dump(p, f), -EIO, "dump to a stream it cannot write: -EIO");
    fclose(f);
    bp_unref(&r);
    bp_pool_uninit(&p);
}

int main(void)
{
    test_own_allocation();
    test_callback();
    test_struct_size();
    test_dump();
    return done_testing();
}
