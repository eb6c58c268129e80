/* machine.h - what a report says about where and how it was measured. */
#ifndef BUFPOOL_BENCH_MACHINE_H
#define BUFPOOL_BENCH_MACHINE_H

typedef struct machine_info {
    char host[256];
    char cpu_model[256];       /* /proc/cpuinfo, else the architecture */
    long cpus_online;
    char kernel[256];          /* "Linux 6.1.0-18-amd64" */
    char kernel_build[256];    /* uname's version: "#1 SMP ... Debian ..." */
    char arch[128];
    const char *compiler;      /* the one that built bufpool-bench */
    const char *cflags;
    const char *git_commit;    /* "" when the build was not from git */
    char libavutil[64];        /* "" without the ffmpeg baseline */
    char timestamp[32];        /* start, ISO 8601 UTC */
} machine_info;

/* Fills m, the timestamp being now. */
void machine_get(machine_info *m);

#endif
