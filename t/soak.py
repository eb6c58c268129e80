#!/usr/bin/env python3
"""Soak: bufpool-bench --verify over every pattern, threads oversubscribed.

    t/soak.py [--seconds S] [--threads N] [--bench PATH] [--json FILE]

Runs `bufpool-bench -i bufpool --verify` for S seconds (SOAK_SECONDS, default
60) per configuration: every pattern (local, pipeline, random) x uncapped /
capped at exactly what the workload holds (every get meets the cap) x plain /
--zero (x --poison when the CLI offers it), with N threads (SOAK_THREADS,
default 4 per online CPU).  For each it reports the pairs done and checks:
  - exit 0: no verify mismatch (a buffer handed to two holders exits 1);
  - gets == pairs: every buffer got was released again (no warmup);
  - allocs + reuses == gets: the pool handed out exactly what was asked;
  - capped: allocs <= max_buffers and peak_in_use <= max_buffers;
  - in_use == 0 after the run, when the CLI reports in_use.
Exit status 0 when every configuration passes.  Prints TAP.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

PATTERNS = ("local", "pipeline", "random")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    builddir = os.environ.get("top_builddir") or os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("SOAK_SECONDS") or 60))
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("SOAK_THREADS") or
                                4 * (os.cpu_count() or 2)))
    ap.add_argument("--bench", default=os.path.join(builddir, "cli", "bufpool-bench"))
    ap.add_argument("--size", default=os.environ.get("SOAK_SIZE") or "4K")
    ap.add_argument("--json", default=os.environ.get("SOAK_JSON") or "",
                    help="write the per-configuration results to FILE")
    a = ap.parse_args()

    helptext = subprocess.run([a.bench, "--help"], capture_output=True,
                              text=True).stdout
    flags = [[], ["--zero"]]
    notes = []
    if "--poison" in helptext:
        flags.append(["--poison"])
    else:
        notes.append("bufpool-bench has no --poison option: BP_POOL_POISON "
                     "is not soaked")

    base = [a.bench, "-i", "bufpool", "--verify", "-q", "-f", "json",
            "-t", str(a.threads), "-s", a.size, "-w", "0",
            "-d", "%g" % a.seconds]
    configs = []
    for pat in PATTERNS:
        # The cap: exactly what the workload holds at most (the CLI says).
        p = subprocess.run(base[:1] + ["-t", str(a.threads), "-p", pat,
                                       "-M", "1", "-n", "1"],
                           capture_output=True, text=True)
        m = re.search(r"holds up to (\d+) buffers", p.stderr)
        cap = int(m.group(1)) if m else 8 * a.threads
        for capped in (False, True):
            for fl in flags:
                configs.append((pat, cap if capped else 0, fl))

    print("# soak: %d configurations x %g s, %d threads on %d CPUs, size %s"
          % (len(configs), a.seconds, a.threads, os.cpu_count() or 0, a.size))
    for n in notes:
        print("# note: " + n)
    results = []
    failed = 0
    for i, (pat, cap, fl) in enumerate(configs, 1):
        name = "%s, %s%s" % (pat, "max_buffers %d" % cap if cap else "uncapped",
                             "".join(", " + f.lstrip("-") for f in fl))
        cmd = base + ["-p", pat, "-M", str(cap)] + fl
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=a.seconds * 5 + 120)
        wall = time.monotonic() - t0
        problems = []
        r = {}
        if p.returncode != 0:
            problems.append("exit %d: %s" % (p.returncode, p.stderr.strip()[:500]))
        else:
            try:
                r = next(x for x in json.loads(p.stdout)["results"]
                         if x["impl"] == "bufpool")
            except (ValueError, KeyError, StopIteration) as e:
                problems.append("bad JSON output: %s" % e)
        if r:
            if r["pairs"] <= 0:
                problems.append("no pairs done")
            if r["gets"] != r["pairs"]:
                problems.append("gets %d != pairs %d" % (r["gets"], r["pairs"]))
            if r["allocs"] + r["reuses"] != r["gets"]:
                problems.append("allocs %d + reuses %d != gets %d"
                                % (r["allocs"], r["reuses"], r["gets"]))
            if cap and (r["allocs"] > cap or r["peak_in_use"] > cap):
                problems.append("allocs %d / peak_in_use %d above the cap %d"
                                % (r["allocs"], r["peak_in_use"], cap))
            if "in_use" in r and r["in_use"] != 0:
                problems.append("in_use %d after the run" % r["in_use"])
        res = dict(config=name, pattern=pat, max_buffers=cap, flags=fl,
                   threads=a.threads, seconds=round(wall, 2),
                   pairs=r.get("pairs"), pairs_per_sec=r.get("pairs_per_sec"),
                   allocs=r.get("allocs"), peak_in_use=r.get("peak_in_use"),
                   in_use=r.get("in_use", "not reported"),
                   mismatches=0 if p.returncode == 0 else
                   (1 if "verify" in p.stderr else None),
                   ok=not problems, problems=problems)
        results.append(res)
        if problems:
            failed += 1
            print("not ok %d - %s" % (i, name))
            for pr in problems:
                print("#   " + pr.replace("\n", "\n#   "))
        else:
            print("ok %d - %s: %d pairs in %.1f s, 0 mismatches, allocs %d, "
                  "peak_in_use %d, in_use %s"
                  % (i, name, r["pairs"], wall, r["allocs"], r["peak_in_use"],
                     r.get("in_use", "not reported by the CLI")))
        sys.stdout.flush()
    print("1..%d" % len(configs))
    total = sum(x["pairs"] or 0 for x in results)
    print("# soak: %d pairs in all, %d configuration(s) failed"
          % (total, failed))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(seconds=a.seconds, threads=a.threads,
                           cpus=os.cpu_count(), size=a.size, notes=notes,
                           results=results), f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
