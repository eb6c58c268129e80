#!/usr/bin/env python3
"""run.py - run issue 6's performance comparison (the measuring half of
`make bench`; bench/report.py turns the results into docs/PERFORMANCE.md,
the README's benchmark table and docs/bench.png).

Runs cli/bufpool-bench (bufpool, FFmpeg and malloc in the same invocation,
every run in a process of its own, runs interleaved, medians of --repeat
runs; the -t and -s lists make each group one invocation) for every target
of issue 6, for the plot's sweeps and for the README's example, and
bench/callgrind.sh for the instruction counts.  Writes into OUT (a
directory of the build tree):

  <id>.json       bufpool-bench's JSON report of one invocation (--json)
  <id>.txt        its table, as printed on a terminal
  callgrind.csv   instructions per pair, one line per implementation
  manifest.json   every invocation (id, group, exact command, files), the
                  settings, the machine description

Python 3 standard library only.
"""
import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

TARGET_SIZES = [64, 4096, 1 << 20]
SWEEP_THREADS = list(range(1, 9))
SWEEP_SIZES = [64 << (2 * i) for i in range(9)]     # 64 B .. 4 MiB
SWEEP_SIZE_THREADS = 1
SWEEP_THREADS_SIZE = 4096
HOLD = 4


def size_arg(n):
    """64 -> '64', 4096 -> '4K', 1048576 -> '1M' (bufpool-bench syntax)."""
    for suffix, unit in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= unit and n % unit == 0:
            return "%d%s" % (n // unit, suffix)
    return str(n)


def sh(cmd, default=""):
    """Output of a shell command (stripped), or default when it fails."""
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return default
    return out.stdout.strip() if out.returncode == 0 else default


def machine(args):
    m = {}
    lscpu = {}
    for line in sh("LC_ALL=C lscpu").splitlines():
        k, _, v = line.partition(":")
        lscpu[k.strip()] = v.strip()
    m["cpu_model"] = lscpu.get("Model name") or platform.processor() or "?"
    m["cpus_online"] = os.cpu_count()
    m["cores_per_socket"] = lscpu.get("Core(s) per socket", "?")
    m["threads_per_core"] = lscpu.get("Thread(s) per core", "?")
    m["sockets"] = lscpu.get("Socket(s)", "?")
    m["hypervisor"] = lscpu.get("Hypervisor vendor", "")
    m["l1d"] = lscpu.get("L1d cache", "")
    m["l2"] = lscpu.get("L2 cache", "")
    m["l3"] = lscpu.get("L3 cache", "")
    m["kernel"] = "%s %s" % (platform.system(), platform.release())
    m["arch"] = platform.machine()
    osname = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    m["os"] = osname
    try:
        m["glibc"] = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):
        m["glibc"] = ""
    cc = args.cc or "cc"
    m["cc"] = cc
    m["cc_version"] = sh("%s --version | head -n 1" % cc)
    m["cflags"] = args.cflags
    version = sh(shlex.quote(args.bench) + " -V")
    m["bench_version"] = version
    avutil = ""
    for line in version.splitlines():
        if line.startswith("ffmpeg baseline:"):
            avutil = line.split(":", 1)[1].strip()
    m["libavutil"] = avutil
    m["ffmpeg_package"] = sh(
        "dpkg-query -W -f='${Package} ${Version}\\n' 'libavutil[0-9]*' "
        "2>/dev/null | grep -v '^libavutil[0-9]* $' | head -n 1")
    m["valgrind"] = sh("valgrind --version")
    m["git"] = sh("git -C %s describe --always --dirty 2>/dev/null"
                  % shlex.quote(args.srcdir))
    return m


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return ""


def plan(args):
    """The bufpool-bench invocations, in run order: (id, group, arguments)."""
    runs = []
    sizes = ",".join(size_arg(s) for s in TARGET_SIZES)
    common = ["-H", str(HOLD)]
    if not args.skip_targets:
        d, r = str(args.duration), str(args.repeat)
        # Per size, 1, 2 and 8 threads follow each other (targets 2 and 6
        # compare them); the pipeline is target 3.
        runs.append(("targets-local", "local",
                     ["-t", "1,2,8", "-s", sizes, "-p", "local"] + common +
                     ["-d", d, "-r", r]))
        runs.append(("targets-pipeline", "pipeline",
                     ["-t", "2", "-s", sizes, "-p", "pipeline"] + common +
                     ["-d", d, "-r", r]))
    if not args.skip_sweep:
        d, r = str(args.sweep_duration), str(args.sweep_repeat)
        runs.append(("sweep-threads", "sweep-threads",
                     ["-t", "%d-%d" % (SWEEP_THREADS[0], SWEEP_THREADS[-1]),
                      "-s", size_arg(SWEEP_THREADS_SIZE), "-p", "local"] +
                     common + ["-d", d, "-r", r]))
        runs.append(("sweep-size", "sweep-size",
                     ["-t", str(SWEEP_SIZE_THREADS), "-s",
                      ",".join(size_arg(s) for s in SWEEP_SIZES), "-p",
                      "local"] + common + ["-d", d, "-r", r]))
    if not args.skip_readme:
        # The README's example: the defaults (all CPUs, 1 MiB, 2 s), 3 runs.
        runs.append(("readme", "readme", shlex.split(args.readme_options)))
    return runs


def bench_argv(args, run, out):
    rid, _, opts = run
    return [args.bench] + opts + [
        "-q", "-f", "table", "-o", os.path.join(out, rid + ".txt"),
        "--json", os.path.join(out, rid + ".json")]


def run_callgrind(args, out):
    """Instructions per pair for every implementation bench/callgrind has."""
    res = {"available": False, "rows": [], "commands": [], "note": ""}
    if not shutil.which(os.environ.get("VALGRIND", "valgrind")):
        res["note"] = ("valgrind not installed (Debian: apt-get install "
                       "valgrind)")
        print("run.py: " + res["note"] + "; skipping callgrind",
              file=sys.stderr)
        return res
    impls = sh(shlex.quote(args.callgrind) + " --list").split()
    lines = ["impl,rounds_a,rounds_b,ir_a,ir_b,ir_per_pair,lib_a,lib_b,"
             "lib_per_pair"]
    for impl in impls:
        argv = ["sh", args.callgrind_sh, args.callgrind, impl,
                str(args.rounds_a), str(args.rounds_b)]
        cmd = " ".join(shlex.quote(a) for a in argv)
        print("run.py: " + cmd, flush=True)
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            sys.exit("run.py: callgrind failed for %s" % impl)
        line = p.stdout.strip()
        lines.append(line)
        f = line.split(",")
        res["rows"].append({"impl": f[0], "rounds_a": int(f[1]),
                            "rounds_b": int(f[2]), "ir_a": int(f[3]),
                            "ir_b": int(f[4]), "ir_per_pair": float(f[5]),
                            "lib_a": int(f[6]), "lib_b": int(f[7]),
                            "lib_per_pair": float(f[8])})
        toggles = {"bufpool": "bp_pool_get bp_unref",
                   "ffmpeg": "av_buffer_pool_get av_buffer_unref",
                   "malloc": "malloc free"}.get(impl, "").split()
        for opts in ([], ["--toggle-collect=" + t for t in toggles]):
            for n in (args.rounds_a, args.rounds_b):
                res["commands"].append(" ".join(
                    ["valgrind --tool=callgrind"] + opts +
                    [args.callgrind, impl, str(n)]))
    res["available"] = True
    res["helper"] = "sh %s %s IMPL %d %d" % (
        args.callgrind_sh, args.callgrind, args.rounds_a, args.rounds_b)
    res["ceiling"] = args.callgrind_ceiling
    with open(os.path.join(out, "callgrind.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--bench", default="cli/bufpool-bench")
    ap.add_argument("--callgrind", default="bench/callgrind")
    ap.add_argument("--callgrind-sh", default="bench/callgrind.sh")
    ap.add_argument("--callgrind-ceiling", default="")
    ap.add_argument("--srcdir", default=".")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--cflags", default=os.environ.get("CFLAGS", ""))
    ap.add_argument("--duration", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sweep-duration", type=float, default=0.25)
    ap.add_argument("--sweep-repeat", type=int, default=3)
    ap.add_argument("--rounds-a", type=int, default=2000)
    ap.add_argument("--rounds-b", type=int, default=22000)
    ap.add_argument("--skip-targets", action="store_true")
    ap.add_argument("--skip-sweep", action="store_true")
    ap.add_argument("--skip-callgrind", action="store_true")
    ap.add_argument("--skip-readme", action="store_true")
    ap.add_argument("--readme-options", default="-r 3",
                    help="bufpool-bench options of the README's example")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    # No stale run of ours survives; the other benchmarks' results in the
    # same directory (bindings-*, capbarrier, manypools, handoff/) stay.
    for name in os.listdir(args.out):
        if (name.startswith(("targets-", "sweep-", "callgrind", "readme",
                             "manifest")) and
                name.endswith((".csv", ".json", ".dat", ".txt"))):
            os.remove(os.path.join(args.out, name))
    t0 = time.time()
    manifest = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg_before": loadavg(),
        "settings": {"duration": args.duration, "repeat": args.repeat,
                     "sweep_duration": args.sweep_duration,
                     "sweep_repeat": args.sweep_repeat, "hold": HOLD,
                     "readme_options": args.readme_options},
        "machine": machine(args),
        "invocations": [],
    }
    runs = plan(args)
    for i, run in enumerate(runs, 1):
        argv = bench_argv(args, run, args.out)
        shown = argv
        inv = {"id": run[0], "group": run[1], "options": run[2],
               "command": " ".join(shlex.quote(a) for a in shown),
               "json": run[0] + ".json", "table": run[0] + ".txt",
               "loadavg": loadavg()}
        print("run.py [%d/%d, %.0f s]: %s" % (i, len(runs), time.time() - t0,
                                              inv["command"]), flush=True)
        p = subprocess.run(argv)
        if p.returncode != 0:
            sys.exit("run.py: bufpool-bench failed (exit status %d)"
                     % p.returncode)
        manifest["invocations"].append(inv)
    manifest["loadavg_after_bench"] = loadavg()
    if args.skip_callgrind:
        manifest["callgrind"] = {"available": False, "rows": [],
                                 "commands": [], "note": "skipped"}
    else:
        manifest["callgrind"] = run_callgrind(args, args.out)
    manifest["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    manifest["elapsed_s"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("run.py: %d invocations in %.0f s; results in %s"
          % (len(runs), time.time() - t0, args.out))


if __name__ == "__main__":
    main()
