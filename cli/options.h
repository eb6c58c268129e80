/* options.h - the command line of bufpool-bench. */
#ifndef BUFPOOL_BENCH_OPTIONS_H
#define BUFPOOL_BENCH_OPTIONS_H

#include "bench.h"

/* Parses argv into cfg.  Returns -1 to go on with the run, or an exit
 * status: 0 after --help/--version (printed to stdout), 2 after printing
 * one line naming the bad option, its value and what is accepted. */
int options_parse(int argc, char **argv, bench_config *cfg);

/* Names of the available implementations, comma-separated. */
const char *options_impl_names(void);

#endif
