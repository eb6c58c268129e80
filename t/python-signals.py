"""bufpool Python binding: Ctrl-C interrupts a blocking get() within 0.1 s.

A waiting get() releases the GIL and waits in slices of 0.05 s, checking
for signals between them (bindings/python.i, bpm_lang_wait)."""
import os
import signal
import threading
import time
import unittest

import bufpool
import python_tap

# Under valgrind (make check-valgrind) everything is ~50 times slower.
LIMIT = 2.0 if os.environ.get("VALGRIND") else 0.1


class TestSignals(unittest.TestCase):
    def setUp(self):
        # A test runner may start us with SIGINT ignored: Python's own
        # handler (KeyboardInterrupt), as in an interactive program.
        self.old = signal.signal(signal.SIGINT, signal.default_int_handler)

    def tearDown(self):
        signal.signal(signal.SIGINT, self.old)

    def interrupted_get(self, pool, **kw):
        """Seconds from SIGINT to KeyboardInterrupt out of pool.get(**kw)."""
        sent = []
        main = threading.main_thread().ident

        def fire():
            sent.append(time.monotonic())
            signal.pthread_kill(main, signal.SIGINT)

        timer = threading.Timer(0.2, fire)
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                pool.get(**kw)
            return time.monotonic() - sent[0]
        finally:
            timer.join()

    def test_ctrl_c_interrupts_a_wait(self):
        pool = bufpool.Pool(64, max_buffers=1)
        held = pool.get()
        for kw in ({"timeout": None}, {"timeout": 30}):
            lat = min(self.interrupted_get(pool, **kw) for _ in range(3))
            print("# get(%s): KeyboardInterrupt %.3f s after SIGINT" % (kw, lat))
            self.assertLess(lat, LIMIT)
        # the pool is still usable, and each interrupted get counted once
        st = pool.stats()
        self.assertEqual((st["gets"], st["failures"]), (7, 6))
        held.release()
        b = pool.get(timeout=1)
        self.assertEqual(len(b), 64)
        b.release()
        pool.close()

    def test_interrupted_while_another_thread_waits(self):
        pool = bufpool.Pool(64, max_buffers=1)
        held = pool.get()
        got = []
        t = threading.Thread(target=lambda: got.append(pool.get(timeout=10)))
        t.start()
        self.interrupted_get(pool, timeout=None)
        held.release()             # the other waiter is not disturbed
        t.join(10)
        self.assertEqual(len(got), 1)
        got[0].release()


if __name__ == "__main__":
    python_tap.main()
