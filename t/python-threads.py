"""bufpool Python binding: 8 threads hammering one pool, with token checks."""
import struct
import threading
import unittest

import bufpool
import python_tap

THREADS = 8
ROUNDS = 3000
HOLD = 4


class TestThreads(unittest.TestCase):
    def hammer(self, pool, use_timeout):
        errors = []
        start = threading.Barrier(THREADS)
        handoff = []                # buffers released by another thread
        lock = threading.Lock()

        def worker(tid):
            try:
                start.wait()
                held = []
                for i in range(ROUNDS):
                    b = pool.get(timeout=5) if use_timeout else pool.get()
                    token = struct.pack("<QQ", tid, i)
                    b[0:16] = token
                    b[len(b) - 16:] = token
                    held.append((b, token))
                    if len(held) >= HOLD:
                        for hb, tok in held:
                            if hb[0:16] != tok or hb[len(hb) - 16:] != tok:
                                errors.append("thread %d: token overwritten" % tid)
                        # release half here, hand the other half to someone else
                        for hb, _ in held[: HOLD // 2]:
                            hb.release()
                        with lock:
                            handoff.extend(hb for hb, _ in held[HOLD // 2:])
                            mine = handoff[:HOLD]
                            del handoff[:HOLD]
                        for hb in mine:
                            hb.release()
                        held = []
                for hb, _ in held:
                    hb.release()
            except Exception as e:  # reported below
                errors.append("thread %d: %r" % (tid, e))

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for b in handoff:
            b.release()
        self.assertEqual(errors, [])
        st = pool.stats()
        self.assertEqual(st["in_use"], 0)
        self.assertEqual(st["gets"] - st["failures"], THREADS * ROUNDS)
        return st

    def test_unbounded(self):
        pool = bufpool.Pool(256)
        st = self.hammer(pool, use_timeout=False)
        self.assertEqual(st["failures"], 0)
        pool.close()

    def test_capped_with_waits(self):
        # fewer buffers than 2 per thread: threads wait (GIL released)
        pool = bufpool.Pool(256, max_buffers=THREADS + 2)
        errors = []
        self.hammer_capped(pool, errors)
        self.assertEqual(errors, [])
        pool.close()

    def hammer_capped(self, pool, errors):
        start = threading.Barrier(THREADS)

        def worker(tid):
            try:
                start.wait()
                for i in range(ROUNDS // 2):
                    a = pool.get(timeout=10)
                    b = pool.get(timeout=10)
                    for j, buf in enumerate((a, b)):
                        buf[0:16] = struct.pack("<QQ", tid, 2 * i + j)
                    for j, buf in enumerate((a, b)):
                        if buf[0:16] != struct.pack("<QQ", tid, 2 * i + j):
                            errors.append("thread %d: token overwritten" % tid)
                    a.release()
                    b.release()
            except Exception as e:
                errors.append("thread %d: %r" % (tid, e))

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        st = pool.stats()
        self.assertEqual(st["in_use"], 0)
        self.assertLessEqual(st["allocs"], pool.max_buffers)


if __name__ == "__main__":
    python_tap.main()
