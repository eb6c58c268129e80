/* machine.c - the machine, the build and the time, for the JSON report's
 * config, so that two saved reports can be compared knowingly. */
#define _GNU_SOURCE 1
#include "config.h"

#include "machine.h"
#include "cli/build-info.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_AVUTIL
#include <libavutil/avutil.h>
#endif

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown"
#endif

/* The value of the first "key : value" line of /proc/cpuinfo with one of
 * the keys (x86: "model name"; arm64: none, so the caller falls back). */
static void cpuinfo(char *out, size_t n)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    out[0] = 0;
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0 &&
            strncmp(line, "Model", 5) != 0 && strncmp(line, "cpu model", 9) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1;
        v += strspn(v, " \t");
        v[strcspn(v, "\n")] = 0;
        snprintf(out, n, "%s", v);
        break;
    }
    fclose(f);
}

void machine_get(machine_info *m)
{
    memset(m, 0, sizeof *m);
    if (gethostname(m->host, sizeof m->host - 1) != 0)
        m->host[0] = 0;
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(m->kernel, sizeof m->kernel, "%s %s", u.sysname, u.release);
        snprintf(m->kernel_build, sizeof m->kernel_build, "%s", u.version);
        snprintf(m->arch, sizeof m->arch, "%s", u.machine);
    }
    cpuinfo(m->cpu_model, sizeof m->cpu_model);
    if (!m->cpu_model[0])
        snprintf(m->cpu_model, sizeof m->cpu_model, "%s", m->arch);
    m->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
    m->compiler = COMPILER;
    m->cflags = BENCH_CFLAGS;
    m->git_commit = BENCH_GIT_COMMIT;
#ifdef HAVE_AVUTIL
    unsigned v = avutil_version();
    snprintf(m->libavutil, sizeof m->libavutil, "%u.%u.%u", v >> 16,
             (v >> 8) & 0xff, v & 0xff);
#endif
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(m->timestamp, sizeof m->timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
