/* fuzz.h - what the harnesses share with the replay driver (replay.c). */
#ifndef BUFPOOL_FUZZ_H
#define BUFPOOL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point: runs one input; aborts on an invariant failure. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
