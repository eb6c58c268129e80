/* Uses the installed library: its version is the header's, and a pool
 * works. */
#include <bufpool.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", BP_VERSION_MAJOR, BP_VERSION_MINOR,
             BP_VERSION_PATCH);
    if (strcmp(bp_version(), want) != 0) {
        fprintf(stderr, "library %s, header %s\n", bp_version(), want);
        return 1;
    }
    bp_pool *pool = bp_pool_new(&BP_POOL_CONFIG(.size = 4096, .max_buffers = 2));
    bp_ref *a = pool ? bp_pool_get(pool) : NULL;
    if (!a)
        return perror("bufpool"), 1;
    bp_unref(&a);
    bp_pool_uninit(&pool);
    printf("bufpool %s works\n", bp_version());
    return 0;
}
