#!/usr/bin/env python3
"""Python benchmark of bufpool (issue 17), run by `make bench`.

    bench-python.py [--rounds N] [--json FILE]         measure, print, PASS/FAIL
    bench-python.py --docs PERFORMANCE.md --json FILE  write the tables into the
                                                       file (between its
                                                       bench-python markers)

Per operation: timeit of each statement, `number` runs per measure, the
best of 3 measures per round, the median of the rounds; the rounds run
every statement in a rotated order.  "Beyond an empty call" subtracts the
same loop running `pass`.  Ratios are bufpool's cost over a SimpleQueue
pool's (get_nowait() + put() of bytearrays), in the same run.

End to end: get a buffer of N bytes, write one byte in every 4 KiB page
through a memoryview, give it back; on one thread (local) or handed through
a SimpleQueue to a consumer thread that reads a byte through a memoryview
and gives it back (pipeline; at most 8 in flight, --depth, by a second
SimpleQueue of credits).  Throughput in items/s, median of the rounds (each
round runs every implementation, in a rotated order); ratio = bufpool / the
best of bytearray(N), numpy.empty(N, numpy.uint8) (skipped without numpy)
and a SimpleQueue pool of bytearrays.  "none" runs the same loop and calls with
one preallocated bytearray (a C callable returns it, id() drops it): the
harness alone, what a pool whose get and give-back did nothing would reach
(in the pipeline, the threads' hand-off through the queues and the GIL).  A
cell whose harness alone is less than 5 % faster than the best of the others
cannot tell the pools apart: its verdict says so.

Targets (issue 17): get()+release() <= 1.0x the SimpleQueue pool, the
with-block <= 2.0x; end to end >= 1.0x everywhere (the 1 MiB pipeline cell
depends on the core's hand-off between threads, issue 12).
"""
import argparse
import itertools
import json
import os
import platform
import queue
import statistics
import sys
import threading
import time
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "bench"))
import docblock                # noqa: E402 (bench/docblock.py)

bufpool = None                 # imported by main() to measure (not for --docs)

try:
    import numpy
except ImportError:
    numpy = None

PAGE = 4096
DEPTH = 8                      # items in flight in the pipeline (--depth)
SIZES = [("64 B", 64), ("4 KiB", 4096), ("1 MiB", 1 << 20)]
HARNESS = "none"               # the harness alone: no pool, one buffer
BOUND = 1.05                   # harness / best other below this: harness-bound
BEGIN = "<!-- bench-python:begin -->"
END = "<!-- bench-python:end -->"


# --- per operation -------------------------------------------------------------

def per_op(rounds, number):
    pool = bufpool.Pool(4096)
    q = queue.SimpleQueue()
    for _ in range(8):
        q.put(bytearray(4096))
    g = {"p": pool, "q": q}
    stmts = [
        ("empty", "pass"),
        ("get_release", "b = p.get(); b.release()"),
        ("with", "with p.get() as b: pass"),
        ("simplequeue", "b = q.get_nowait(); q.put(b)"),
        ("bytearray", "b = bytearray(4096)"),
    ]
    res = {k: [] for k, _ in stmts}
    for r in range(rounds):
        order = stmts[r % len(stmts):] + stmts[:r % len(stmts)]
        for k, s in order:
            t = min(timeit.repeat(s, globals=g, number=number, repeat=3))
            res[k].append(t / number * 1e9)
    med = {k: statistics.median(v) for k, v in res.items()}
    beyond = {k: med[k] - med["empty"] for k in med}
    return {"ns": med, "beyond_ns": beyond,
            "ratio_get_release": beyond["get_release"] / beyond["simplequeue"],
            "ratio_with": beyond["with"] / beyond["simplequeue"]}


# --- end to end -----------------------------------------------------------------

def implementations(size):
    impls = {}
    pool = bufpool.Pool(size)
    impls["bufpool"] = (pool.get, bufpool.Buffer.release)
    impls["bytearray"] = (lambda: bytearray(size), lambda x: None)
    if numpy is not None:
        impls["numpy.empty"] = (lambda: numpy.empty(size, numpy.uint8), lambda x: None)
    free = queue.SimpleQueue()
    for _ in range(DEPTH + 2):
        free.put(bytearray(size))

    def sq_get():
        try:
            return free.get_nowait()
        except queue.Empty:
            return bytearray(size)
    impls["SimpleQueue pool"] = (sq_get, free.put)
    impls[HARNESS] = (itertools.repeat(bytearray(size)).__next__, id)
    return impls


def run_local(obtain, give_back, n, size):
    pages = range(0, size, PAGE)
    t0 = time.perf_counter()
    for _ in range(n):
        x = obtain()
        with memoryview(x) as mv:
            for off in pages:
                mv[off] = 1
        give_back(x)
    return n / (time.perf_counter() - t0)


def run_pipeline(obtain, give_back, n, size):
    pages = range(0, size, PAGE)
    items = queue.SimpleQueue()
    credits = queue.SimpleQueue()
    for _ in range(DEPTH):
        credits.put(None)

    def consumer():
        for _ in range(n):
            x = items.get()
            with memoryview(x) as mv:
                mv[0]
            give_back(x)
            credits.put(None)

    t = threading.Thread(target=consumer)
    t0 = time.perf_counter()
    t.start()
    for _ in range(n):
        credits.get()
        x = obtain()
        with memoryview(x) as mv:
            for off in pages:
                mv[off] = 1
        items.put(x)
        del x
    t.join()
    return n / (time.perf_counter() - t0)


def end_to_end(rounds, seconds):
    out = {}
    for pattern, run in (("local", run_local), ("pipeline", run_pipeline)):
        for label, size in SIZES:
            impls = implementations(size)
            names = list(impls)
            # n: about `seconds` for the fastest, from a short trial
            trial = {k: run(*impls[k], 200, size) for k in names}
            n = max(200, int(max(v for k, v in trial.items() if k != HARNESS)
                             * seconds))
            res = {k: [] for k in names}
            for r in range(rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                for k in order:
                    res[k].append(run(*impls[k], n, size))
            med = {k: statistics.median(v) for k, v in res.items()}
            others = [k for k in med if k not in ("bufpool", HARNESS)]
            best = max(others, key=lambda k: med[k])
            out["%s/%s" % (pattern, label)] = {
                "items_per_s": med, "n": n,
                "ratio": med["bufpool"] / med[best],
                "harness_ratio": med[HARNESS] / med[best],
                "best_other": best}
    return out


# --- report ------------------------------------------------------------------------

def verdicts(res):
    v = [("get()+release() <= 1.0x a SimpleQueue pool",
          res["per_op"]["ratio_get_release"] <= 1.0,
          "%.2fx" % res["per_op"]["ratio_get_release"]),
         ("with-block <= 2.0x a SimpleQueue pool",
          res["per_op"]["ratio_with"] <= 2.0,
          "%.2fx" % res["per_op"]["ratio_with"])]
    for key, cell in res["e2e"].items():
        val = "%.2fx (vs %s)" % (cell["ratio"], cell["best_other"])
        if cell["harness_ratio"] < BOUND:
            val += "; harness-bound: no pool at all is %.2fx" % cell["harness_ratio"]
        v.append(("%s >= 1.0x the best of the others" % key, cell["ratio"] >= 1.0,
                  val))
    return v


def markdown(res):
    m = res["machine"]
    po = res["per_op"]
    lines = [BEGIN,
             "<!-- Generated by bindings/bench-python.py (make bench); do not "
             "edit by hand. -->", "",
             "Measured %s on %s, Python %s (%s), numpy %s, %d rounds, %d items "
             "in flight in the pipeline; command: `%s`." % (
                 m["when"], m["cpu"], m["python"], m["executable"], m["numpy"],
                 res["rounds"], res.get("depth", DEPTH), res["command"]), "",
             "Per operation (ns; median of the rounds; beyond the empty loop):",
             "",
             "| operation | ns | beyond an empty loop | vs a SimpleQueue pool |",
             "|---|--:|--:|--:|"]
    rows = [("`b = p.get(); b.release()`", "get_release"),
            ("`with p.get() as b: pass`", "with"),
            ("`b = q.get_nowait(); q.put(b)` (SimpleQueue of bytearrays)",
             "simplequeue"),
            ("`b = bytearray(4096)`", "bytearray"),
            ("`pass` (the empty loop)", "empty")]
    for label, k in rows:
        ratio = "" if k == "empty" else \
            "%.2fx" % (po["beyond_ns"][k] / po["beyond_ns"]["simplequeue"])
        lines.append("| %s | %.1f | %.1f | %s |" % (
            label, po["ns"][k], po["beyond_ns"][k], ratio))
    lines += ["", "End to end, bufpool's throughput over the best of bytearray, "
              "numpy.empty and a SimpleQueue pool (items/s of each in "
              "parentheses, thousands; none: the harness alone, no pool):", "",
              "| | " + " | ".join(l for l, _ in SIZES) + " |",
              "|---|" + "--:|" * len(SIZES)]
    for pattern in ("local", "pipeline"):
        cells = []
        for label, _ in SIZES:
            c = res["e2e"]["%s/%s" % (pattern, label)]
            ips = c["items_per_s"]
            cells.append("**%.2fx** (bufpool %.0f; %s)" % (
                c["ratio"], ips["bufpool"] / 1e3,
                ", ".join("%s %.0f" % (k, v / 1e3) for k, v in ips.items()
                          if k != "bufpool")))
        lines.append("| %s | %s |" % (pattern, " | ".join(cells)))
    lines += ["", "| target (issue 17) | result | |", "|---|---|:-:|"]
    for name, ok, val in verdicts(res):
        lines.append("| %s | %s | **%s** |" % (name, val, "PASS" if ok else "FAIL"))
    if res.get("lua"):
        interps = []
        ops = []
        val = {}
        for interp, op, ns in res["lua"]:
            if interp not in interps:
                interps.append(interp)
            if op not in ops:
                ops.append(op)
            val[interp, op] = float(ns)
        lines += ["", "Lua, the same run (bindings/bench-lua.lua: ns per operation "
                  "beyond the empty loop, the best of 5 runs of 10^6):", "",
                  "| operation | " + " | ".join(interps) + " |",
                  "|---|" + "--:|" * len(interps)]
        for op in ops:
            lines.append("| %s | %s |" % (op, " | ".join(
                "%.0f" % val[i, op] if (i, op) in val else "" for i in interps)))
    lines += ["", END]
    return "\n".join(lines) + "\n"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": "%s, %d CPUs" % (cpu, os.cpu_count() or 0),
            "python": platform.python_version(), "executable": sys.executable,
            "numpy": numpy.__version__ if numpy is not None else "absent",
            "bufpool": bufpool.__version__,
            "when": time.strftime("%Y-%m-%d %H:%M", time.localtime())}


def main():
    global bufpool, DEPTH
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7,
                    help="rotated rounds; figures are their medians "
                    "(default %(default)s)")
    ap.add_argument("--number", type=int, default=200000,
                    help="statements per per-operation measure")
    ap.add_argument("--seconds", type=float, default=0.2,
                    help="seconds per end-to-end measure (fastest)")
    ap.add_argument("--depth", type=int, default=DEPTH,
                    help="items in flight in the pipeline (default %(default)s)")
    ap.add_argument("--json", help="write (or, with --docs, read) the results")
    ap.add_argument("--docs", help="write the tables into this Markdown file")
    ap.add_argument("--per-op-only", action="store_true",
                    help="only the per-operation figures (no end to end)")
    ap.add_argument("--lua", help="TSV of bindings/bench-lua.lua's results "
                    "(interpreter, operation, ns) to report too")
    a = ap.parse_args()
    if a.docs:
        with open(a.json) as f:
            res = json.load(f)
        docblock.rewrite(a.docs, BEGIN, END, markdown(res).rstrip("\n"),
                         "bench-python.py", os.path.dirname(a.json) or ".")
        return 0
    if a.depth < 1:
        ap.error("--depth must be >= 1")
    DEPTH = a.depth
    import bufpool
    res = {"machine": machine(), "rounds": a.rounds, "depth": DEPTH,
           "command": os.environ.get("BP_BENCH_COMMAND", "make bench")}
    res["lua"] = []
    if a.lua:
        with open(a.lua) as f:
            res["lua"] = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    res["per_op"] = per_op(a.rounds, a.number)
    po = res["per_op"]
    print("per operation (ns, median of %d rounds, beyond the empty loop):" % a.rounds)
    for k in ("get_release", "with", "simplequeue", "bytearray"):
        print("  %-12s %7.1f  (%.1f raw)" % (k, po["beyond_ns"][k], po["ns"][k]))
    res["e2e"] = {} if a.per_op_only else end_to_end(a.rounds, a.seconds)
    for key, c in res["e2e"].items():
        print("  %-18s %.2fx  %s" % (key, c["ratio"], ", ".join(
            "%s %.0f/s" % kv for kv in c["items_per_s"].items())))
    fails = 0
    for name, ok, val in verdicts(res):
        print("%s: %s (%s)" % ("PASS" if ok else "FAIL", name, val))
        fails += not ok
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
