/* Reference-counted buffers: every function of the buffer API, its errors,
 * and concurrent unref from many threads. */
#include "config.h"

#include <bufpool.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tap.h"

static int free_calls;
static void *free_opaque;
static uint8_t *free_data;

static void counting_free(void *opaque, uint8_t *data)
{
    free_calls++;
    free_opaque = opaque;
    free_data = data;
    free(data);
}

static void test_version(void)
{
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", BP_VERSION_MAJOR,
             BP_VERSION_MINOR, BP_VERSION_PATCH);
    is_str(bp_version(), want, "bp_version matches the BP_VERSION_* macros");
    is_str(bp_version(), BP_PACKAGE_VERSION,
           "bp_version matches configure's version");
}

static void test_alloc(void)
{
    bp_ref *r = bp_alloc(1000);
    ok(r && r->data && r->buffer, "bp_alloc(1000) returns a ref");
    is_u64(r->size, 1000, "size is 1000");
    is_u64((uintptr_t)r->data % 64, 0, "data is 64-byte aligned");
    memset(r->data, 0x5a, 1000);   /* whole buffer writable (ASan checks) */
    is_int(bp_refcount(r), 1, "refcount 1");
    is_int(bp_is_writable(r), 1, "a fresh buffer is writable");
    is_ptr(bp_opaque(r), NULL, "bp_alloc buffer has NULL opaque");
    bp_unref(&r);
    is_ptr(r, NULL, "bp_unref sets the ref to NULL");

    r = bp_alloc(0);
    ok(r && r->data, "bp_alloc(0) gives a ref with non-NULL data");
    is_u64(r->size, 0, "size 0");
    bp_unref(&r);

    errno = 0;
    r = bp_alloc(SIZE_MAX);
    ok(!r && errno == ENOMEM, "bp_alloc(SIZE_MAX) fails with ENOMEM");
    errno = 0;
    r = bp_alloc(SIZE_MAX - 10);
    ok(!r && errno == ENOMEM, "bp_alloc(SIZE_MAX-10) fails with ENOMEM (no overflow)");

    r = bp_allocz(4096);
    int zero = 1;
    for (size_t i = 0; i < 4096; i++)
        zero &= r->data[i] == 0;
    ok(zero, "bp_allocz zero-fills");
    bp_unref(&r);
    errno = 0;
    ok(!bp_allocz(SIZE_MAX) && errno == ENOMEM, "bp_allocz(SIZE_MAX) ENOMEM");

    bp_unref(NULL);
    r = NULL;
    bp_unref(&r);
    ok(1, "bp_unref(NULL) and bp_unref(&NULL) are no-ops");

    /* Not a reference (buffer NULL), on the stack and on the heap: left
     * alone, *ref cleared. */
    static uint8_t bytes[8];
    bp_ref fake = { bytes, sizeof(bytes), NULL }, *fp = &fake;
    bp_unref(&fp);
    is_ptr(fp, NULL, "bp_unref of a ref whose buffer is NULL: a no-op, "
           "*ref set to NULL");
}

static void test_create(void)
{
    uint8_t *mem = malloc(64);
    int token;
    free_calls = 0;
    bp_ref *r = bp_create(mem, 64, counting_free, &token, 0);
    ok(r && r->data == mem && r->size == 64, "bp_create wraps the memory");
    is_ptr(bp_opaque(r), &token, "bp_opaque returns the opaque");
    bp_ref *d = bp_dup(r);
    ok(d && d != r && d->data == mem && d->buffer == r->buffer,
       "bp_dup gives a second ref to the same buffer");
    is_int(bp_refcount(r), 2, "refcount 2 after dup");
    is_int(bp_refcount(d), 2, "refcount 2 seen from the dup");
    is_int(bp_is_writable(r), 0, "shared buffer is not writable");
    bp_unref(&r);
    is_int(free_calls, 0, "first unref does not free");
    is_int(bp_refcount(d), 1, "refcount 1 after one unref");
    is_int(bp_is_writable(d), 1, "sole ref is writable again");
    bp_unref(&d);
    is_int(free_calls, 1, "last unref calls free_cb once");
    is_ptr(free_opaque, &token, "free_cb got the opaque");
    is_ptr(free_data, mem, "free_cb got the data");

    /* NULL free_cb: bp_default_free (ASan/valgrind would flag a leak). */
    r = bp_create(malloc(10), 10, NULL, NULL, BP_FLAG_READONLY);
    ok(r != NULL, "bp_create with NULL free_cb");
    is_int(bp_is_writable(r), 0, "READONLY buffer is never writable");
    bp_unref(&r);

    uint8_t *keep = malloc(8);
    errno = 0;
    ok(!bp_create(keep, 8, NULL, NULL, 0x80) && errno == EINVAL,
       "unknown flags: EINVAL");
    keep[0] = 1;   /* still ours: not freed on failure */
    free(keep);
    errno = 0;
    ok(!bp_create(NULL, 8, NULL, NULL, 0) && errno == EINVAL,
       "NULL data with size > 0: EINVAL");
    r = bp_create(NULL, 0, counting_free, NULL, 0);
    ok(r && r->size == 0, "NULL data with size 0 is allowed");
    bp_unref(&r);

    errno = 0;
    ok(!bp_dup(NULL) && errno == EINVAL, "bp_dup(NULL): EINVAL");
    is_int(bp_refcount(NULL), 0, "bp_refcount(NULL) is 0");
    errno = 0;
    ok(!bp_opaque(NULL) && errno == EINVAL, "bp_opaque(NULL): EINVAL");
    /* A predicate is 0 or 1 (issue 19; av_buffer_is_writable). */
    is_int(bp_is_writable(NULL), 0, "bp_is_writable(NULL): 0");
    bp_ref none = { NULL, 0, NULL };
    is_int(bp_is_writable(&none), 0, "bp_is_writable of a ref without buffer: 0");
    bp_default_free(NULL, malloc(3));
    ok(1, "bp_default_free frees malloc'd memory");
}

static void test_make_writable(void)
{
    bp_ref *a = bp_alloc(100);
    memset(a->data, 7, 100);
    uint8_t *orig = a->data;
    is_int(bp_make_writable(&a), 0, "make_writable on a writable ref: 0");
    is_ptr(a->data, orig, "no copy when already writable");

    bp_ref *b = bp_dup(a);
    is_int(bp_make_writable(&b), 0, "make_writable on a shared ref: 0");
    ok(b->data != orig && b->buffer != a->buffer, "shared ref was copied");
    ok(b->data[0] == 7 && b->data[99] == 7 && b->size == 100, "copy has the contents");
    is_int(bp_refcount(a), 1, "old buffer lost the reference");
    b->data[0] = 9;
    is_int(a->data[0], 7, "writing the copy leaves the original alone");
    bp_unref(&b);

    /* A narrowed ref copies only its window. */
    b = bp_dup(a);
    b->data += 10;
    b->size = 5;
    a->data[10] = 42;
    is_int(bp_make_writable(&b), 0, "make_writable on a slice");
    ok(b->size == 5 && b->data[0] == 42, "slice copy keeps the window");
    bp_unref(&b);
    bp_unref(&a);

    is_int(bp_make_writable(NULL), -EINVAL, "make_writable(NULL): -EINVAL");
    bp_ref *nul = NULL;
    is_int(bp_make_writable(&nul), -EINVAL, "make_writable(&NULL): -EINVAL");
}

static void noop_free(void *o, uint8_t *d) { (void)o; (void)d; }

static void test_make_writable_readonly_clean(void)
{
    uint8_t ro[4] = { 1, 2, 3, 4 };
    bp_ref *r = bp_create(ro, 4, noop_free, NULL, BP_FLAG_READONLY);
    is_int(bp_make_writable(&r), 0, "READONLY sole ref is copied");
    ok(r->data != ro && !memcmp(r->data, ro, 4), "copy of READONLY data");
    is_int(bp_is_writable(r), 1, "copy is writable");
    bp_unref(&r);
}

static void test_realloc(void)
{
    bp_ref *r = NULL;
    is_int(bp_realloc(&r, 10), 0, "realloc of NULL allocates");
    ok(r && r->size == 10, "size 10");
    memcpy(r->data, "0123456789", 10);
    is_int(bp_realloc(&r, 100000), 0, "grow");
    ok(r->size == 100000 && !memcmp(r->data, "0123456789", 10),
       "grow keeps the contents");
    r->data[99999] = 1;
    is_int(bp_realloc(&r, 4), 0, "shrink");
    ok(r->size == 4 && !memcmp(r->data, "0123", 4), "shrink keeps the prefix");

    bp_ref *d = bp_dup(r);
    is_int(bp_realloc(&r, 8), 0, "realloc of a shared ref");
    ok(r->buffer != d->buffer && !memcmp(r->data, "0123", 4),
       "shared ref was copied, contents kept");
    is_int(bp_refcount(d), 1, "other holder keeps the old buffer");
    bp_unref(&d);
    bp_unref(&r);

    is_int(bp_realloc(NULL, 1), -EINVAL, "realloc(NULL): -EINVAL");
    r = bp_alloc(1);
    is_int(bp_realloc(&r, SIZE_MAX), -ENOMEM, "realloc to SIZE_MAX: -ENOMEM");
    ok(r && r->size == 1, "failed realloc leaves the ref unchanged");
    bp_unref(&r);
}

static void test_replace(void)
{
    bp_ref *a = bp_alloc(16), *b = bp_alloc(16), *dst = NULL;
    is_int(bp_replace(&dst, a), 0, "replace into NULL");
    ok(dst && dst->buffer == a->buffer && bp_refcount(a) == 2,
       "dst now references a");
    is_int(bp_replace(&dst, b), 0, "replace with another buffer");
    ok(dst->buffer == b->buffer && bp_refcount(a) == 1 && bp_refcount(b) == 2,
       "old reference dropped, new taken");
    bp_ref slice = *b;
    slice.data += 4;
    slice.size = 4;
    is_int(bp_replace(&dst, &slice), 0, "replace with a slice of the same buffer");
    ok(dst->data == b->data + 4 && dst->size == 4 && bp_refcount(b) == 2,
       "same buffer: window updated, refcount unchanged");
    is_int(bp_replace(&dst, NULL), 0, "replace with NULL");
    ok(dst == NULL && bp_refcount(b) == 1, "NULL src drops dst");
    is_int(bp_replace(NULL, a), -EINVAL, "replace(NULL, ...): -EINVAL");
    bp_unref(&a);
    bp_unref(&b);
}

/* Many threads drop dups of one buffer: free_cb runs exactly once, after
 * every thread's write to its own part of the data. */
#define NT 8
static atomic_int tfree_calls;
static atomic_int tfree_sum;
static void thread_free(void *opaque, uint8_t *data)
{
    (void)opaque;
    int sum = 0;
    for (int i = 0; i < NT; i++)
        sum += data[i];
    atomic_store(&tfree_sum, sum);
    atomic_fetch_add(&tfree_calls, 1);
    free(data);
}

struct drop { bp_ref *ref; int idx; };
static void *drop_thread(void *arg)
{
    struct drop *d = arg;
    d->ref->data[d->idx] = 1;    /* published by the release in unref */
    bp_unref(&d->ref);
    return NULL;
}

static void test_threads(void)
{
    int rounds = 200, bad = 0;
    for (int k = 0; k < rounds; k++) {
        atomic_store(&tfree_calls, 0);
        bp_ref *r = bp_create(calloc(NT, 1), NT, thread_free, NULL, 0);
        struct drop d[NT];
        pthread_t th[NT];
        for (int i = 0; i < NT; i++) {
            d[i].ref = bp_dup(r);
            d[i].idx = i;
        }
        bp_unref(&r);
        for (int i = 0; i < NT; i++)
            pthread_create(&th[i], NULL, drop_thread, &d[i]);
        for (int i = 0; i < NT; i++)
            pthread_join(th[i], NULL);
        if (atomic_load(&tfree_calls) != 1 || atomic_load(&tfree_sum) != NT)
            bad++;
    }
    is_int(bad, 0, "concurrent unref: free_cb once, after all writes (%d rounds)",
           rounds);
}

int main(void)
{
    test_version();
    test_alloc();
    test_create();
    test_make_writable();
    test_make_writable_readonly_clean();
    test_realloc();
    test_replace();
    test_threads();
    return done_testing();
}
