#!/usr/bin/env python3
"""gen-corpus.py - writes the seed corpora fuzz/corpus/api and fuzz/corpus/cli.

    python3 fuzz/gen-corpus.py [OUTDIR]     (default: the directory of this script)

The seeds are committed; rerun this after changing the input format of a
harness (fuzz_api.c: run_step and the op_* decoders; fuzz_cli.c: arguments
separated by NUL bytes, optional leading control byte) and commit the result.
Each API seed is one scenario written as a list of steps, each step the bytes
its op_* decoder reads.
"""
import os
import sys

# ---- API harness encoding (see fuzz_api.c) --------------------------------
NEW, INIT, INIT2, GET, GET_T, UNINIT, TRIM = 0, 1, 2, 3, 5, 6, 7
ALLOC, ALLOCZ, CREATE, DUP, UNREF, MKW, REALLOC, REPLACE, WRITE, SLICE, QUERY = (
    8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19)
POOLS_FIRST = 0x80 + 20 * 6  # opcode with bit 7 set: teardown uninits pools first

A_LIB, A_TRACKED, A_DEFAULT, A_ALLOC, A_ALLOCZ = range(5)


def size(n):
    """decode_size: 0 -> EINVAL, 'huge' -> overflow, else 1..4096."""
    if n == 0:
        return [0]
    if n == 'huge':
        return [1, 3]
    n -= 1
    return [2, n & 0xFF, n >> 8]


def align(a):
    if a == 0:
        return [0]
    if a == 'bad':
        return [14, 7]            # 3 + 2*7 = 17
    return [a.bit_length()]       # 1 << (sel - 1)


def count(n, is_max=False):
    if n == 'bad':
        return [251]
    if is_max:
        if n == 0:
            return [0]
        return [98 + n]           # 98 = 2*49, so sel % 49 == n, sel >= 64
    return [n]


def pool_new(p, sz, al=0, mn=0, mx=0, flags=0, mode=A_LIB, cb=0, reset_byte=0,
             fault=0, extra=0):
    return [NEW, p] + size(sz) + align(al) + count(mn) + count(mx, True) + [
        flags, mode, extra, cb, reset_byte, fault]


def bsize(n):
    if n == 'huge':
        return [255, 5]
    if n < 16:
        return [n]
    return [200, n & 0xFF, n >> 8]


def get(p, s, fault=2):
    return [GET, p, s, fault]


def get_t(p, s, ts, fault=2):
    return [GET_T, p, s, fault, ts]


API = {
    # A poisoned, capped, reset pool: get, dup, share, trim, stats, release.
    'pool-basic': pool_new(0, 256, 0, 4, 8, flags=2, cb=2 | 4, reset_byte=0x3C)
    + get(0, 0) + get(0, 1) + get(0, 2) + [DUP, 0, 3, UNREF, 0, QUERY]
    + [TRIM, 0, 1, 0] + [UNREF, 1, UNREF, 2, UNREF, 3] + get(0, 4)
    + [TRIM, 0, 0, 0, UNINIT, 0],
    # The cap: EAGAIN, timeout 0, a tiny timeout, then a release frees one.
    'pool-cap': pool_new(1, 64, 128, 0, 2)
    + get(1, 0) + get(1, 1) + get(1, 2) + get_t(1, 3, 0) + get_t(1, 3, 3)
    + [UNREF, 0] + get_t(1, 3, 7) + [QUERY, UNINIT, 1],
    # Uninit with buffers out, custom tracked alloc and pool_free; pools first.
    'pool-uninit-out': [POOLS_FIRST, 0] + size(100) + align(0) + count(2)
    + count(0, True) + [1, A_TRACKED, 1, 4 | 1, 0, 0]
    + get(0, 0) + get(0, 1) + get(0, 2) + [DUP, 1, 5, UNINIT, 0, UNREF, 0, WRITE, 2],
    # Alloc callback faults: NULL and too small, during min_buffers and get.
    'pool-alloc-faults': pool_new(0, 32, 0, 3, 0, mode=A_TRACKED, cb=4,
                                  fault=0x80 | 1)
    + pool_new(0, 32, 0, 3, 0, mode=A_DEFAULT, cb=4, fault=0x80 | 0x40 | 2)
    + pool_new(0, 32, 0, 1, 4, mode=A_ALLOCZ, cb=1, extra=1)
    + get(0, 0, 0) + get(0, 0, 1) + get(0, 0) + get(0, 1) + [UNINIT, 0],
    # Issue 19: the alloc callback's EIO passes through; flushing (a trim
    # step with bits 1-3 of its third byte set) cancels gets, the timed one
    # too, until it is undone; a callback pool with align 128 whose buffers
    # (malloc'd) may be misaligned: EPROTO.
    'pool-flush-errors': pool_new(0, 64, 0, 1, 3, mode=A_TRACKED, cb=4)
    + get(0, 0, 3) + get(0, 1) + [TRIM, 0, 0, 6 | 8] + get(0, 2) + get_t(0, 2, 7)
    + [UNREF, 1, TRIM, 0, 0, 6] + get(0, 2) + get(0, 3) + get(0, 4)
    + pool_new(1, 100, 128, 0, 0, mode=A_DEFAULT) + get(1, 5) + get(1, 6)
    + [QUERY, UNINIT, 0, UNINIT, 1],
    # Bad configs: size 0, overflowing size, bad align, min > max, unknown
    # flag, too many buffers.
    'pool-bad-config': pool_new(0, 0) + pool_new(0, 'huge') + pool_new(0, 8, 'bad')
    + pool_new(0, 8, 0, 5, 3) + pool_new(0, 8, flags=0x80 | 0x10)
    + pool_new(0, 8, 0, 'bad') + pool_new(0, 8, 0, 0, 'bad') + get(0, 0)
    + get_t(0, 0, 0) + [TRIM, 0, 0, 0, UNINIT, 0, QUERY],
    # FFmpeg-shaped constructors with callbacks, zero-filled pool.
    'pool-init': [INIT, 0] + size(48) + [A_TRACKED] + [INIT2, 1] + size(48)
    + [0x80 | A_ALLOC] + [INIT2, 2] + size(0) + [0]
    + get(0, 0) + get(1, 1) + get(0, 2, 0) + [UNREF, 0] + get(0, 3)
    + pool_new(2, 512, 4096, 2, 0, flags=1 | 2) + get(2, 4) + [REALLOC, 4, 3, 0]
    + [MKW, 1, DUP, 1, 6, MKW, 6] + [UNINIT, 0, UNINIT, 1],
    # Plain buffers: alloc, allocz, create (readonly, tracked, NULL data).
    'buffers': [ALLOC, 0] + bsize(256) + [ALLOCZ, 1] + bsize(0)
    + [CREATE, 2, 0x80 | 4] + bsize(200) + [CREATE, 3, 0x40] + bsize(5)
    + [CREATE, 4, 3] + bsize(0) + [CREATE, 5, 3] + bsize(7)
    + [CREATE, 5, 8] + bsize(5)
    + [DUP, 2, 6, MKW, 2, MKW, 6, DUP, 0, 7, REALLOC, 7] + bsize(512) + [0]
    + [SLICE, 0, 10, 0, 100, 0, REALLOC, 0] + bsize(50) + [0, WRITE, 0]
    + [REPLACE, 8, 3, REPLACE, 8, 0, REPLACE, 8, 0x80, REPLACE, 0, 0]
    + [ALLOC, 9] + bsize('huge') + [REALLOC, 9] + bsize('huge') + [0, QUERY],
}

# ---- CLI harness: arguments separated by NUL ------------------------------
CLI = {
    'help': ['--help'],
    'version': ['-V'],
    'full': ['-t', '4', '-s', '64K', '-n', '1000', '-r', '3', '-H', '8', '-p',
             'random', '-T', 'all', '-S', '42', '-M', '64', '-m', '8', '-a',
             '4096', '-z', '-i', 'bufpool,malloc', '-l', '-P', '-v', '-f', 'csv',
             '-o', 'out.csv', '-q'],
    'long': ['--threads=2', '--size=1MiB', '--duration=0.5', '--warmup', '0.1',
             '--pattern', 'pipeline', '--cpus', '0', '--impl=all',
             '--format=json', '--output=r.json'],
    'bad-values': ['-s', '2T'],
    'conflict': ['-n', '5', '-d', '1'],
    'bundle': ['-zlPvq', '-t1', '-cx'],
    'min-max': ['-M', '2', '-m', '3'],
    'sweep': ['-t', '1,2,4', '-s', '64,4K,1M', '-r', '2', '-p', 'random'],
    'sweep-ranges': ['-t', '1-8:3', '--size=64-1M', '-H', '2', '-M', '16'],
    'sweep-bad': ['-t', '4-2', '-s', '1K-4K:0'],
    'sweep-pipeline': ['-p', 'pipeline', '-t', '1,2'],
    'percentiles': ['-L', '50,99.99,max,90', '--percentiles=99.9999'],
    'compare-run': ['--compare', 'old.json', '--json', 'new.json', '-o',
                    'r.txt', '-n', '10'],
    'compare-files': ['-C', 'old.json', 'new.json', '-f', 'csv'],
    'compare-conflict': ['-C', 'old.json', 'new.json', '-t', '2'],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for sub, seeds in (('api', API), ('cli', CLI)):
        d = os.path.join(out, 'corpus', sub)
        os.makedirs(d, exist_ok=True)
        for name, v in seeds.items():
            if sub == 'api':
                data = bytes(v)
            else:
                data = b'\0'.join(a.encode() for a in v)
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)
    # broken is only selectable with BUFPOOL_BENCH_TESTING=1 (control byte 1)
    with open(os.path.join(out, 'corpus', 'cli', 'testing-broken'), 'wb') as f:
        f.write(b'\x01-i\0broken,bufpool')
    with open(os.path.join(out, 'corpus', 'cli', 'testing-probe'), 'wb') as f:
        f.write(b'\x01-i\0probe,malloc\0-r\0003')


if __name__ == '__main__':
    main()
