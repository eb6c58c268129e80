/* count_allocz.c - measurement only: counts the buffers FFmpeg's own frame
 * pools allocate, so that bp-decode -a default can report them.
 *
 * FFmpeg's default get_buffer2 makes its frame pools with
 * av_buffer_pool_init(size, av_buffer_allocz); libavcodec reaches
 * av_buffer_allocz (defined in libavutil) through the dynamic linker, so
 * this definition in the executable, which comes first in the lookup,
 * receives those calls and passes them on to libavutil's.  Calls are
 * tallied by size; count_allocz_of() answers for the frame planes' sizes
 * (codecs also allocate other, differently sized, buffers this way). */
#define _GNU_SOURCE 1
#include "count_allocz.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>

#define NSIZES 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct { size_t size; uint64_t n; } tally[NSIZES];
static int ntally;
static atomic_bool seen;

AVBufferRef *av_buffer_allocz(size_t size)
{
    static AVBufferRef *(*_Atomic real)(size_t);
    AVBufferRef *(*f)(size_t) = atomic_load(&real);
    if (!f) {
        /* POSIX: a function pointer may be converted from dlsym's void *. */
        *(void **)&f = dlsym(RTLD_NEXT, "av_buffer_allocz");
        if (!f)
            return NULL;
        atomic_store(&real, f);
    }
    atomic_store_explicit(&seen, true, memory_order_relaxed);
    pthread_mutex_lock(&lock);
    int i = 0;
    while (i < ntally && tally[i].size != size)
        i++;
    if (i < NSIZES) {
        if (i == ntally) {
            tally[i].size = size;
            ntally++;
        }
        tally[i].n++;
    }
    pthread_mutex_unlock(&lock);
    return f(size);
}

bool count_allocz_active(void)
{
    return atomic_load(&seen);
}

uint64_t count_allocz_of(size_t size)
{
    uint64_t n = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ntally; i++)
        if (tally[i].size == size)
            n = tally[i].n;
    pthread_mutex_unlock(&lock);
    return n;
}
