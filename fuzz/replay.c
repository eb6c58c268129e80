/* replay.c - runs a fuzz harness on saved inputs, without libFuzzer.
 *
 *   replay-api [FILE|DIR]...
 *
 * Each input runs in a child process (so that one crash, abort or leak
 * report does not hide the others) and is one TAP test point: ok when the
 * child exits 0.  Without arguments it replays the seed corpus and the
 * regression inputs of its harness from $top_srcdir (set by make check):
 * fuzz/corpus/NAME and fuzz/regressions/NAME, NAME being FUZZ_NAME given
 * at build time.  Built with the configured compiler as part of make
 * check, it also runs under the --enable-sanitizer builds. */
#include "config.h"

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUZZ_NAME
#  error "FUZZ_NAME (api or cli) must be defined"
#endif

static char **files;
static size_t nfiles, cap;

static void add(const char *path)
{
    if (nfiles == cap) {
        cap = cap ? 2 * cap : 64;
        files = realloc(files, cap * sizeof *files);
        if (!files)
            abort();
    }
    files[nfiles] = strdup(path);
    if (!files[nfiles])
        abort();
    nfiles++;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path: a file, or the regular files of a directory (sorted). */
static void collect(const char *path, int must_exist)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (must_exist) {
            printf("Bail out! %s: %s\n", path, strerror(errno));
            exit(1);
        }
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        add(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        printf("Bail out! %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t first = nfiles;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p)
            abort();
        snprintf(p, n, "%s/%s", path, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
            strcmp(e->d_name, "README") != 0)
            add(p);
        free(p);
    }
    closedir(d);
    qsort(files + first, nfiles - first, sizeof *files, cmp);
}

static int run_one(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = 0, c = 4096;
    uint8_t *buf = malloc(c);
    size_t r;
    while (buf && (r = fread(buf + n, 1, c - n, f)) > 0) {
        n += r;
        if (n == c) {
            uint8_t *nb = realloc(buf, c *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return 1;
    /* A copy of exactly n bytes, as libFuzzer gives: ASan sees overreads. */
    uint8_t *in = malloc(n ? n : 1);
    if (!in)
        return 1;
    memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            collect(argv[i], 1);
    } else {
        const char *top = getenv("top_srcdir");
        if (!top)
            top = ".";
        char p[4096];
        snprintf(p, sizeof p, "%s/fuzz/corpus/%s", top, FUZZ_NAME);
        collect(p, 1);
        snprintf(p, sizeof p, "%s/fuzz/regressions/%s", top, FUZZ_NAME);
        collect(p, 0);
    }
    printf("1..%zu\n", nfiles);
    fflush(stdout);
    int failed = 0;
    for (size_t i = 0; i < nfiles; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            printf("Bail out! fork: %s\n", strerror(errno));
            return 1;
        }
        if (pid == 0) {
            /* The harness's own output (stdout) must not break the TAP
             * stream: send it to stderr, which goes to the log. */
            dup2(STDERR_FILENO, STDOUT_FILENO);
            exit(run_one(files[i]));
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (ok)
            printf("ok %zu - %s\n", i + 1, files[i]);
        else if (WIFSIGNALED(st))
            printf("not ok %zu - %s (signal %d)\n", i + 1, files[i],
                   WTERMSIG(st));
        else
            printf("not ok %zu - %s (exit %d)\n", i + 1, files[i],
                   WEXITSTATUS(st));
        fflush(stdout);
        failed += !ok;
        free(files[i]);
    }
    free(files);
    return failed ? 1 : 0;
}
