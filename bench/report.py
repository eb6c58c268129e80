#!/usr/bin/env python3
"""report.py - turn bench/run.py's results into docs/PERFORMANCE.md tables
and the README's benchmark example (the reporting half of `make bench`).

  report.py --results DIR --docs docs/PERFORMANCE.md [--readme README.md]

Reads DIR/manifest.json, the bufpool-bench JSON reports and callgrind.csv;
computes every issue-6 target from ratios measured in the same run (with
the range of the per-run ratios), or, where a target compares two thread
counts, from points measured one after the other; writes

  DIR/tables.md           the generated markdown
  DIR/sweep-threads.dat   pairs/s against threads, for bench/plot.gp
  DIR/sweep-size.dat      pairs/s against buffer size, for bench/plot.gp

and replaces the text between `<!-- bench:begin -->` and
`<!-- bench:end -->` in the docs file (inserted before "## Python binding"
when the markers are missing), and between `<!-- bench-readme:begin -->`
and `<!-- bench-readme:end -->` in the README (the table of the README's
example command).  Everything outside the markers is kept.  A file that
cannot be written is written into DIR instead.

Python 3 standard library only.
"""
import argparse
import csv
import json
import os
import sys

import docblock

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
README_BEGIN = "<!-- bench-readme:begin -->"
README_END = "<!-- bench-readme:end -->"
IMPLS = ["bufpool", "ffmpeg", "malloc"]
NAMES = {"bufpool": "bufpool", "ffmpeg": "FFmpeg", "malloc": "malloc"}

# Issue 6 targets.
T1_VS_FFMPEG = 8.0
T1_VS_MALLOC64 = 1.5
T2_SCALING = 1.7
T2_VS_FFMPEG = 20.0
T3_VS_FFMPEG = 10.0
T4_IR_PER_PAIR = 60.0
T6_VS_T2 = 0.7
CACHE_MAX, CACHE_MIN, CACHE_BYTES = 63, 8, 4 << 20   # lib/bufpool.h


def cache_size(size):
    """Buffers a pool caches per thread: min(63, max(8, 4 MiB / size))."""
    return min(CACHE_MAX, max(CACHE_MIN, CACHE_BYTES // size))


def human_size(n):
    for suffix, unit in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= unit and n % unit == 0:
            return "%d %s" % (n // unit, suffix)
    return "%d B" % n


def mps(x):
    """pairs/s as M/s."""
    if x is None:
        return "-"
    if x >= 1e7:
        return "%.1f M" % (x / 1e6)
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    return "%.3f M" % (x / 1e6)


def ns(x):
    if x is None:
        return "-"
    return "%.1f" % x if x < 1000 else "%.0f" % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rx(x):
    if x is None:
        return "-"
    if x < 0.1:
        return "%.2g×" % x
    return "%.2f×" % x if x < 10 else "%.1f×" % x


def rxr(x, rng):
    """A ratio with the range of its per-run ratios: 8.1× (7.6-8.9)."""
    if x is None:
        return "-"
    if not rng:
        return rx(x)
    return "%s (%s-%s)" % (rx(x), rx(rng[0]).rstrip("×"), rx(rng[1]).rstrip("×"))


def verdict(ok):
    if ok is None:
        return "n/a"
    return "**PASS**" if ok else "**FAIL**"


def all_of(oks):
    oks = list(oks)
    if any(o is None for o in oks) or not oks:
        return None
    return all(oks)


def num(v, conv=float):
    return conv(v) if v not in ("", None) else None


def point_id(group, threads, size):
    """The id the tables use for one point of an invocation."""
    sid = Report.sid(size)
    if group in ("local", "pipeline"):
        return "t%d-%s-%s" % (threads, group, sid)
    if group == "sweep-threads":
        return "sweep-threads-%d" % threads
    if group == "sweep-size":
        return "sweep-size-%s" % sid
    return group


def load(results):
    """The manifest, with a 'runs' list: one entry per point of every
    invocation, its rows by implementation."""
    with open(os.path.join(results, "manifest.json")) as f:
        man = json.load(f)
    man["runs"] = []
    man["reports"] = {}
    for inv in man["invocations"]:
        with open(os.path.join(results, inv["json"])) as f:
            rep = json.load(f)
        man["reports"][inv["id"]] = rep
        cfg = rep["config"]
        points = {}
        for row in rep["results"]:
            key = (row["threads"], row["size"])
            if key not in points:
                points[key] = {
                    "id": point_id(inv["group"], row["threads"], row["size"]),
                    "group": inv["group"], "threads": row["threads"],
                    "size": row["size"], "pattern": row["pattern"],
                    "hold": row["hold"], "duration": cfg["duration"],
                    "repeat": cfg["repeat"], "command": inv["command"],
                    "loadavg": inv.get("loadavg", ""), "r": {}}
                man["runs"].append(points[key])
            points[key]["r"][row["impl"]] = {
                "pps": row["pairs_per_sec"],
                "pps_min": row["pairs_per_sec_min"],
                "pps_max": row["pairs_per_sec_max"],
                "sd": row.get("pairs_per_sec_sd"),
                "runs": [x["pairs_per_sec"] for x in row.get("per_run", [])],
                "ns": row["ns_per_pair"],
                "allocs": row["allocs"],
                "peak": row["peak_in_use"],
                "gets": row["gets"],
                "warnings": row.get("warnings", []),
            }
    return man


class Report:
    def __init__(self, man, results):
        self.man = man
        self.results = results
        self.out = []
        self.summary = []
        self.by_id = {r["id"]: r for r in man["runs"]}

    def p(self, *lines):
        self.out.extend(lines)

    def rng(self, rid, a, b):
        """The lowest and highest ratio of a's run i to b's run i (runs
        are interleaved: run i of each ran next to each other)."""
        run = self.by_id.get(rid)
        if not run or a not in run["r"] or b not in run["r"]:
            return None
        x = [p / q for p, q in zip(run["r"][a]["runs"], run["r"][b]["runs"]) if q]
        return (min(x), max(x)) if x else None

    def pps(self, rid, impl):
        run = self.by_id.get(rid)
        if not run or impl not in run["r"]:
            return None
        return run["r"][impl]["pps"]

    def nsp(self, rid, impl):
        run = self.by_id.get(rid)
        if not run or impl not in run["r"]:
            return None
        return run["r"][impl]["ns"]

    def commands(self, ids):
        self.p("", "Command (build tree; the comment is the 1-minute load "
               "average when it started):", "", "```sh")
        seen = set()
        for rid in ids:
            if rid in self.by_id and self.by_id[rid]["command"] not in seen:
                run = self.by_id[rid]
                seen.add(run["command"])
                load = run.get("loadavg", "").split()
                self.p(run["command"] + ("   # load average %s" % load[0]
                                         if load else ""))
        self.p("```", "")

    def target_sizes(self):
        return [r["size"] for r in self.man["runs"]
                if r["id"].startswith("t1-local-")]

    @staticmethod
    def sid(size):
        for suffix, unit in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
            if size >= unit and size % unit == 0:
                return "%d%s" % (size // unit, suffix)
        return str(size)

    # ----------------------------------------------------------------
    def machine(self):
        m = self.man["machine"]
        s = self.man["settings"]
        cores = "%s online CPUs (%s socket(s) × %s core(s) × %s thread(s))" % (
            m["cpus_online"], m["sockets"], m["cores_per_socket"],
            m["threads_per_core"])
        self.p("### Machine", "",
               "| | |", "|---|---|",
               "| CPU | %s%s |" % (m["cpu_model"], ", %s guest" % m["hypervisor"]
                                  if m.get("hypervisor") else ""),
               "| cores | %s |" % cores,
               "| caches | L1d %s, L2 %s, L3 %s |" % (m["l1d"] or "?",
                                                    m["l2"] or "?",
                                                    m["l3"] or "?"),
               "| kernel | %s (%s) |" % (m["kernel"], m["arch"]),
               "| OS, libc | %s, %s |" % (m["os"] or "?", m["glibc"] or "?"),
               "| compiler | %s, `CFLAGS=%s` |" % (m["cc_version"] or m["cc"],
                                                  m["cflags"]),
               "| FFmpeg | %s%s |" % (m["libavutil"] or "not built",
                                      " (Debian %s)" % m["ffmpeg_package"]
                                      if m.get("ffmpeg_package") else ""),
               "| valgrind | %s |" % (m["valgrind"] or "not installed"),
               "| source | `%s` |" % (m["git"] or "?"),
               "| measured | %s to %s (%s s); load average %s before, %s "
               "after |" % (self.man["started"], self.man["finished"],
                            self.man["elapsed_s"],
                            self.man["loadavg_before"],
                            self.man["loadavg_after_bench"]),
               "")
        self.p("Every bufpool-bench invocation runs bufpool, malloc and FFmpeg "
               "interleaved (`-r`: bufpool, malloc, ffmpeg, bufpool, ...), "
               "each run in a process of its own, and reports each "
               "implementation's median run; target tables use `-d %s -r %s`, "
               "the sweep `-d %s -r %s`.  Ratios between implementations "
               "come from the same invocation, with (in parentheses) the "
               "lowest and highest ratio of a run to the other "
               "implementation's run next to it; ratios between thread "
               "counts (targets 2 and 6) from points measured one after the "
               "other.  The machine is shared, so absolute figures move "
               "between runs; the ratios are what the targets judge."
               % (s["duration"], s["repeat"], s["sweep_duration"],
                  s["sweep_repeat"]), "")

    def warnings(self):
        """The rows bufpool-bench warned about (runs spread above 10 %,
        or a first run that is an outlier): their figures are less
        reliable, and the docs say so."""
        rows = []
        for run in self.man["runs"]:
            if run["group"] == "readme":
                continue
            for impl, r in run["r"].items():
                if not r["warnings"]:
                    continue
                v = r["runs"]
                mean = sum(v) / len(v) if v else 0
                sd = "%.0f %%" % (100 * r["sd"] / mean) if mean and r["sd"] else "-"
                first = "-"
                if len(v) >= 3:
                    others = sorted(v[1:])
                    med = others[(len(others) - 1) // 2]
                    if med and any("first run" in w for w in r["warnings"]):
                        first = "%+.0f %%" % (100 * (v[0] - med) / med)
                rows.append("| `%s` | %s | %s | %s |" % (
                    run["id"], NAMES.get(impl, impl), sd, first))
        self.p("### Warnings", "")
        if not rows:
            self.p("bufpool-bench warned about no row: every row's runs "
                   "spread by at most 10 %, and no first run was an outlier.",
                   "")
            return
        self.p("bufpool-bench warned about %d rows: their runs spread by "
               "more than 10 %% (standard deviation / mean), or their first run "
               "was an outlier (outside the others' range and more than 10 %% "
               "from their median).  Their figures are less reliable: re-run "
               "`make bench` on a quieter machine, or with a longer "
               "`BENCH_DURATION`." % len(rows), "",
               "| point | implementation | spread | first run vs the others |",
               "|---|---|---:|---:|")
        self.p(*rows)
        self.p("")

    def t1(self):
        sizes = self.target_sizes()
        if not sizes:
            return
        m64 = self.nsp("t1-local-64", "malloc")
        self.p("### Target 1: one thread, `--pattern local --hold 4`", "",
               "bufpool ≥ %g× FFmpeg's pairs/s, and bufpool's ns/pair ≤ %g× "
               "glibc `malloc`+`free` of 64 B (%s ns/pair, from the 64 B run)."
               % (T1_VS_FFMPEG, T1_VS_MALLOC64, ns(m64)), "",
               "| size | bufpool pairs/s | ns/pair | FFmpeg pairs/s | ns/pair "
               "| malloc pairs/s | ns/pair | bufpool / FFmpeg "
               "| bufpool ns / malloc-64 B ns | result |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for s in sizes:
            rid = "t1-local-" + self.sid(s)
            b, f, mm = (self.pps(rid, i) for i in IMPLS)
            vf = ratio(b, f)
            vm = ratio(self.nsp(rid, "bufpool"), m64)
            ok = all_of([None if vf is None else vf >= T1_VS_FFMPEG,
                         None if vm is None else vm <= T1_VS_MALLOC64])
            oks.append(ok)
            self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                human_size(s), mps(b), ns(self.nsp(rid, "bufpool")), mps(f),
                ns(self.nsp(rid, "ffmpeg")), mps(mm),
                ns(self.nsp(rid, "malloc")), rxr(vf, self.rng(rid, "bufpool", "ffmpeg")),
                "-" if vm is None else "%.2f" % vm, verdict(ok)))
        self.commands(["t1-local-" + self.sid(s) for s in sizes])
        self.summary.append(("1", "one thread: ≥ %g× FFmpeg, ≤ %g× malloc "
                             "64 B ns/pair" % (T1_VS_FFMPEG, T1_VS_MALLOC64),
                             all_of(oks)))

    def t2(self):
        sizes = self.target_sizes()
        if not sizes:
            return
        self.p("### Target 2: two threads, same workload", "",
               "bufpool's total pairs/s on 2 threads ≥ %g× its own one-thread "
               "figure (target 1's run just before) and ≥ %g× FFmpeg's "
               "(same run)." % (T2_SCALING, T2_VS_FFMPEG), "",
               "| size | bufpool 2 thr | bufpool 1 thr | scaling "
               "| FFmpeg 2 thr | FFmpeg 1 thr | malloc 2 thr "
               "| bufpool / FFmpeg | result |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for s in sizes:
            r1, r2 = "t1-local-" + self.sid(s), "t2-local-" + self.sid(s)
            b2, f2, m2 = (self.pps(r2, i) for i in IMPLS)
            b1, f1 = self.pps(r1, "bufpool"), self.pps(r1, "ffmpeg")
            sc, vf = ratio(b2, b1), ratio(b2, f2)
            ok = all_of([None if sc is None else sc >= T2_SCALING,
                         None if vf is None else vf >= T2_VS_FFMPEG])
            oks.append(ok)
            self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                human_size(s), mps(b2), mps(b1), rx(sc), mps(f2), mps(f1),
                mps(m2), rxr(vf, self.rng(r2, "bufpool", "ffmpeg")), verdict(ok)))
        self.commands(["t2-local-" + self.sid(s) for s in sizes])
        self.summary.append(("2", "two threads: ≥ %g× own 1-thread, ≥ %g× "
                             "FFmpeg" % (T2_SCALING, T2_VS_FFMPEG),
                             all_of(oks)))

    def t3(self):
        sizes = self.target_sizes()
        if not sizes:
            return
        self.p("### Target 3: `--pattern pipeline`, 2 threads", "",
               "One producer gets, one consumer releases (through a queue of "
               "depth 4): bufpool ≥ %g× FFmpeg's pairs/s." % T3_VS_FFMPEG, "",
               "| size | bufpool pairs/s | ns/pair | FFmpeg pairs/s | ns/pair "
               "| malloc pairs/s | ns/pair | bufpool / FFmpeg | result |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for s in sizes:
            rid = "t2-pipeline-" + self.sid(s)
            b, f, mm = (self.pps(rid, i) for i in IMPLS)
            vf = ratio(b, f)
            ok = None if vf is None else vf >= T3_VS_FFMPEG
            oks.append(ok)
            self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                human_size(s), mps(b), ns(self.nsp(rid, "bufpool")), mps(f),
                ns(self.nsp(rid, "ffmpeg")), mps(mm),
                ns(self.nsp(rid, "malloc")),
                rxr(vf, self.rng(rid, "bufpool", "ffmpeg")), verdict(ok)))
        self.commands(["t2-pipeline-" + self.sid(s) for s in sizes])
        self.summary.append(("3", "pipeline: ≥ %g× FFmpeg" % T3_VS_FFMPEG,
                             all_of(oks)))

    def t4(self):
        cg = self.man.get("callgrind") or {}
        self.p("### Target 4: instructions per get+release pair (callgrind)",
               "")
        if not cg.get("available"):
            self.p("Not measured: %s." % (cg.get("note") or "no data"), "")
            self.summary.append(("4", "≤ %g instructions per pair"
                                 % T4_IR_PER_PAIR, None))
            return
        r0 = cg["rows"][0]
        self.p("`bench/callgrind IMPL ROUNDS`: ROUNDS rounds of 4 gets then 4 "
               "releases of 4 KiB buffers on one thread, the first byte of "
               "each written (the shape of `bufpool-bench -t 1 -s 4K -H 4`); "
               "libbufpool linked statically.  Per pair = difference between "
               "%d and %d rounds / (%d × 4), so start-up, pool creation and "
               "the first allocating round cancel.  *In get+release*: only "
               "instructions inside the implementation's get and release "
               "calls (`--toggle-collect`: bp_pool_get/bp_unref, "
               "av_buffer_pool_get/av_buffer_unref, malloc/free), the figure "
               "the target judges; *whole program*: callgrind's total, the "
               "test loop included.  Target: bufpool ≤ %g in get+release."
               % (r0["rounds_a"], r0["rounds_b"],
                  r0["rounds_b"] - r0["rounds_a"], T4_IR_PER_PAIR), "",
               "| implementation | in get+release / pair | vs bufpool "
               "| whole program / pair | result |",
               "|---|---:|---:|---:|:---:|")
        base = None
        ok = None
        for row in cg["rows"]:
            if row["impl"] == "bufpool":
                base = row["lib_per_pair"]
        for row in cg["rows"]:
            res = ""
            if row["impl"] == "bufpool":
                ok = row["lib_per_pair"] <= T4_IR_PER_PAIR
                res = verdict(ok)
            self.p("| %s | %.1f | %s | %.1f | %s |" % (
                NAMES.get(row["impl"], row["impl"]), row["lib_per_pair"],
                rx(ratio(row["lib_per_pair"], base)), row["ir_per_pair"],
                res))
        if cg.get("ceiling"):
            self.p("", "`make check` (t/callgrind.sh) fails above "
                   "`BP_CALLGRIND_CEILING` = %s instructions per pair "
                   "(bench/local.mk), in get+release." % cg["ceiling"])
        self.p("", "Commands (build tree; `%s` runs these four per "
               "implementation and does the arithmetic):"
               % cg.get("helper", "bench/callgrind.sh"), "",
               "```sh")
        self.p(*cg["commands"])
        self.p("```", "")
        self.summary.append(("4", "≤ %g instructions per pair"
                             % T4_IR_PER_PAIR, ok))

    def t5(self):
        runs = [r for r in self.man["runs"]
                if r["group"] in ("local", "pipeline")]
        if not runs:
            return
        self.p("### Target 5: memory stays bounded", "",
               "After each target run above (statistics of bufpool's median "
               "run, warm-up included): `allocs ≤ peak_in_use + threads × "
               "cache`, where cache = min(63, max(8, 4 MiB / size)) buffers "
               "per thread (`BP_POOL_CACHE_MAX`, lib/bufpool.h).  FFmpeg's "
               "allocations are shown for comparison (it never frees before "
               "uninit, so its allocs are its peak).", "",
               "| run | threads | size | bufpool allocs | peak_in_use "
               "| cache/thread | bound | FFmpeg allocs | result |",
               "|---|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for run in runs:
            b = run["r"].get("bufpool")
            f = run["r"].get("ffmpeg")
            c = cache_size(run["size"])
            if b is None or b["allocs"] is None or b["peak"] is None:
                ok, bound = None, None
            else:
                bound = b["peak"] + run["threads"] * c
                ok = b["allocs"] <= bound
            oks.append(ok)
            self.p("| `%s` | %d | %s | %s | %s | %d | %s | %s | %s |" % (
                run["id"], run["threads"], human_size(run["size"]),
                "-" if b is None else b["allocs"],
                "-" if b is None else b["peak"], c,
                "-" if bound is None else bound,
                "-" if f is None or f["allocs"] is None else f["allocs"],
                verdict(ok)))
        self.p("", "Commands: those of targets 1, 2, 3 and 6.", "")
        self.summary.append(("5", "allocs ≤ peak_in_use + threads × cache",
                             all_of(oks)))

    def t6(self):
        sizes = self.target_sizes()
        if not sizes:
            return
        self.p("### Target 6: 8 threads on 2 CPUs (oversubscribed)", "",
               "bufpool's total pairs/s with `-t 8` ≥ %g× its 2-thread figure "
               "(target 2's run just before)." % T6_VS_T2, "",
               "| size | bufpool 8 thr | bufpool 2 thr | 8 / 2 thr "
               "| FFmpeg 8 thr | FFmpeg 8 / 2 thr | malloc 8 thr "
               "| malloc 8 / 2 thr | result |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for s in sizes:
            r2, r8 = "t2-local-" + self.sid(s), "t8-local-" + self.sid(s)
            b8, f8, m8 = (self.pps(r8, i) for i in IMPLS)
            b2, f2, m2 = (self.pps(r2, i) for i in IMPLS)
            v = ratio(b8, b2)
            ok = None if v is None else v >= T6_VS_T2
            oks.append(ok)
            self.p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                human_size(s), mps(b8), mps(b2), rx(v), mps(f8),
                rx(ratio(f8, f2)), mps(m8), rx(ratio(m8, m2)), verdict(ok)))
        self.commands(["t8-local-" + self.sid(s) for s in sizes])
        self.summary.append(("6", "8 threads ≥ %g× the 2-thread figure"
                             % T6_VS_T2, all_of(oks)))

    # ----------------------------------------------------------------
    def sweep(self, group, key, label, fmt, datname):
        runs = [r for r in self.man["runs"] if r["group"] == group]
        if not runs:
            return False
        lines = ["# %s bufpool ffmpeg malloc (pairs/s; ? = not built)" % key]
        self.p("| %s | bufpool pairs/s | FFmpeg pairs/s | malloc pairs/s "
               "| bufpool / FFmpeg | bufpool / malloc |" % label,
               "|---:|---:|---:|---:|---:|---:|")
        for run in runs:
            b, f, mm = (self.pps(run["id"], i) for i in IMPLS)
            lines.append("%d %s" % (run[key], " ".join(
                "?" if v is None else "%.1f" % v for v in (b, f, mm))))
            self.p("| %s | %s | %s | %s | %s | %s |" % (
                fmt(run[key]), mps(b), mps(f), mps(mm),
                rxr(ratio(b, f), self.rng(run["id"], "bufpool", "ffmpeg")),
                rxr(ratio(b, mm), self.rng(run["id"], "bufpool", "malloc"))))
        with open(os.path.join(self.results, datname), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        self.commands([r["id"] for r in runs])
        return True

    def sweeps(self):
        if not any(r["group"].startswith("sweep") for r in self.man["runs"]):
            return
        self.p("### Sweep (the plot)", "",
               "![pairs/s against threads and buffer size](bench.png)", "",
               "`docs/bench.png`, drawn by `bench/plot.gp` (gnuplot) from the "
               "CSV below.  Left: 4 KiB buffers, `-p local -H 4`, 1 to 8 "
               "threads on this 2-CPU machine.  Right: one thread, 64 B to "
               "4 MiB.", "", "Threads (4 KiB):", "")
        self.sweep("sweep-threads", "threads", "threads", str,
                   "sweep-threads.dat")
        self.p("Buffer size (1 thread):", "")
        self.sweep("sweep-size", "size", "size", human_size,
                   "sweep-size.dat")

    def build(self):
        self.machine()
        body_start = len(self.out)
        self.t1()
        self.t2()
        self.t3()
        self.t4()
        self.t5()
        self.t6()
        body = self.out[body_start:]
        self.out = self.out[:body_start]
        if self.summary:
            self.p("### Summary", "", "| target | requirement | result |",
                   "|---:|---|:---:|")
            for n, what, ok in sorted(self.summary):
                self.p("| %s | %s | %s |" % (n, what, verdict(ok)))
            self.p("")
        self.warnings()
        self.out.extend(body)
        self.sweeps()
        text = "\n".join(self.out).rstrip("\n") + "\n"
        return ("%s\n<!-- Generated by bench/report.py (make bench) from "
                "bench/results/; do not edit by hand: the next run replaces "
                "everything between these markers. -->\n\n%s%s"
                % (BEGIN, text, END))


def readme_block(man, results):
    """The README's example: its command and the table it printed."""
    inv = next((i for i in man["invocations"] if i["id"] == "readme"), None)
    if not inv:
        return None
    with open(os.path.join(results, inv["table"])) as f:
        table = f.read().rstrip("\n")
    cfg = man["reports"]["readme"]["config"]
    cmd = " ".join(["cli/bufpool-bench"] + inv["options"])
    return ("%s\n<!-- Generated by bench/report.py (make bench); the next run "
            "replaces everything between these markers. -->\n"
            "On this machine (%s, %d online CPUs, %s; shared with other "
            "builds), `%s` printed:\n\n```\n%s\n```\n%s"
            % (README_BEGIN, cfg["cpu_model"], cfg["cpus_online"],
               cfg["kernel"], cmd, table, README_END))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default="bench/results")
    ap.add_argument("--docs", default="docs/PERFORMANCE.md")
    ap.add_argument("--readme")
    args = ap.parse_args()
    try:
        man = load(args.results)
    except OSError as e:
        sys.exit("report.py: %s (run `make bench-run` first)" % e)
    block = Report(man, args.results).build()
    with open(os.path.join(args.results, "tables.md"), "w") as f:
        f.write(block + "\n")
    docblock.rewrite(args.docs, BEGIN, END, block, "report.py", args.results)
    rb = readme_block(man, args.results)
    if args.readme and rb:
        docblock.rewrite(args.readme, README_BEGIN, README_END, rb, "report.py",
                         args.results)


if __name__ == "__main__":
    main()
