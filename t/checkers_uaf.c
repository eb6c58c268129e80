/* Memory checkers on pool buffers, built by t/checkers-*.sh as a user
 * would.  The argument says what the program does:
 *   clean   uses pools correctly (plain, BP_POOL_ZERO, BP_POOL_POISON, an
 *           alloc callback, bp_dup, trim): a checker reports nothing;
 *   write   writes a buffer after releasing it (write_after_release);
 *   read    reads a reused buffer before writing it (read_before_write):
 *           its bytes are undefined, as malloc's. */
#include <bufpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

/* The bug: the data pointer outlives the reference. */
static void write_after_release(bp_pool *p)
{
    bp_ref *r = bp_pool_get(p);
    uint8_t *data = r->data;
    memset(data, 1, r->size);
    bp_unref(&r);
    data[7] = 2;
}

/* The bug: what the last user left is no promise. */
static void read_before_write(bp_pool *p)
{
    bp_ref *r = bp_pool_get(p);
    memset(r->data, 1, r->size);
    bp_unref(&r);
    r = bp_pool_get(p);
    if (r->data[7] == 1)
        sink++;
    bp_unref(&r);
}

static bp_ref *alloc_cb(void *opaque, size_t size)
{
    (void)opaque;
    return bp_alloc(size);
}

static int clean(void)
{
    /* BUFPOOL_CHECK=nocache: every buffer is new, none was poisoned. */
    const char *env = getenv("BUFPOOL_CHECK");
    int bad = 0, nocache = env && strstr(env, "nocache");
    bp_pool *plain = bp_pool_new(&BP_POOL_CONFIG(.size = 300, .min_buffers = 2));
    bp_pool *zero = bp_pool_new(&BP_POOL_CONFIG(.size = 300,
                                                .flags = BP_POOL_ZERO));
    bp_pool *poison = bp_pool_new(&BP_POOL_CONFIG(.size = 300,
                                                  .flags = BP_POOL_POISON));
    bp_pool *cb = bp_pool_new(&BP_POOL_CONFIG(.size = 300, .alloc = alloc_cb,
                                              .max_buffers = 4));
    bp_pool *pools[] = { plain, zero, poison, cb };
    for (int round = 0; round < 3; round++)
        for (int k = 0; k < 4; k++) {
            bp_ref *r = bp_pool_get(pools[k]), *d = bp_dup(r);
            if (pools[k] == zero)
                for (size_t i = 0; i < r->size; i++)
                    bad |= r->data[i] != 0;
            if (pools[k] == poison && round && !nocache)
                for (size_t i = 0; i < r->size; i++)
                    bad |= r->data[i] != 0xA5;
            memset(r->data, round, r->size);
            bp_unref(&r);
            for (size_t i = 0; i < d->size; i++)
                bad |= d->data[i] != round;
            bp_unref(&d);
        }
    bp_ref *held = bp_pool_get(plain);
    memset(held->data, 3, held->size);
    bp_pool_trim(plain, 0);
    for (int k = 0; k < 4; k++)
        bp_pool_uninit(&pools[k]);
    for (size_t i = 0; i < held->size; i++)
        bad |= held->data[i] != 3;
    bp_unref(&held);   /* after uninit: frees the buffer and the pool */
    puts(bad ? "clean: WRONG contents" : "clean: done");
    return bad;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "clean";
    bp_pool *p = bp_pool_new(&BP_POOL_CONFIG(.size = 64));
    int rc = 0;
    if (!strcmp(what, "write"))
        write_after_release(p);
    else if (!strcmp(what, "read"))
        read_before_write(p);
    else
        rc = clean();
    bp_pool_uninit(&p);
    printf("%s: done\n", what);
    return rc;
}
