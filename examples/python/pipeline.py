#!/usr/bin/env python3
"""A frame pipeline with bufpool and numpy: zero-copy views, bounded memory.

A capture thread fills 640x480 grey frames into pooled buffers (through a
numpy view, no copy) and hands them to two workers through a queue; each
worker computes on its frame (numpy, no copy) and releases the buffer,
which goes back to the pool.  A dup() shares one frame with a second,
read-only consumer.  The pool is capped at 8 buffers: however many frames
go through, at most 8 * 300 KiB is ever allocated, and when every buffer is
in flight the capture thread waits for one (get(timeout=...)) instead of
allocating more.

    python3 examples/python/pipeline.py [frames]
"""
import os
import queue
import sys
import threading

import numpy as np

import bufpool

H, W = 480, 640
FRAMES = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def capture(pool, out, n):
    for i in range(n):
        buf = pool.get(timeout=5.0)             # waits while 8 are in flight
        frame = np.frombuffer(buf, dtype=np.uint8).reshape(H, W)
        frame[:] = i % 256                      # "the camera" writes in place
        frame[H // 2, :] = 255                  # a bright line in the middle
        del frame                               # views go before the hand-off
        out.put((i, buf))
    for _ in range(2):
        out.put(None)


def items(q):
    """What is put on q, until None."""
    while True:
        item = q.get()
        if item is None:
            return
        yield item


def work(inp, results, thumbs):
    for i, buf in items(inp):
        with buf:                               # back to the pool at the end
            frame = np.frombuffer(buf, dtype=np.uint8).reshape(H, W)
            results[i] = (int(frame[0, 0]), int(frame.max()), float(frame.mean()))
            del frame                           # no view may outlive the block
            if i % 50 == 0:
                # share the frame (no copy) with a slower consumer: while
                # shared it is read-only for everyone (and sharing it while a
                # writable view exists raises BufferError)
                thumbs.put((i, buf.dup()))


def thumbnails(inp, out):
    for i, ref in items(inp):
        with ref:                               # the frame goes back to the pool
            view = np.frombuffer(ref, dtype=np.uint8).reshape(H, W)  # when
            out[i] = view[::8, ::8].copy()      # both are released; the one
            del view                            # copy: a thumbnail


def main():
    pool = bufpool.Pool(H * W, max_buffers=8)
    threading.excepthook = lambda args: os._exit(  # a failed thread fails all
        print("pipeline: %s: %s" % (args.exc_type.__name__, args.exc_value)) or 1)
    frames = queue.SimpleQueue()
    thumbs = queue.SimpleQueue()
    results, small = {}, {}
    workers = [threading.Thread(target=work, args=(frames, results, thumbs))
               for _ in range(2)]
    thumber = threading.Thread(target=thumbnails, args=(thumbs, small))
    for t in workers + [thumber]:
        t.start()
    capture(pool, frames, FRAMES)
    for t in workers:
        t.join()
    thumbs.put(None)
    thumber.join()

    assert len(results) == FRAMES
    for i, (first, brightest, mean) in results.items():
        assert first == i % 256 and brightest == 255, (i, first, brightest)
    assert sorted(small) == list(range(0, FRAMES, 50))
    st = pool.stats()
    print("%d frames of %dx%d through a pool of %d buffers: %d allocated, "
          "%d reuses, %d in use at the end"
          % (FRAMES, W, H, pool.max_buffers, st["allocs"], st["reuses"],
             st["in_use"]))
    assert st["allocs"] <= pool.max_buffers and st["in_use"] == 0
    pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
