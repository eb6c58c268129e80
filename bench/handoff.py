#!/usr/bin/env python3
"""handoff.py - issue 12's hand-off benchmarks, with PASS/FAIL (part of
`make bench`: `make bench-handoff` runs only these).

  handoff.py --bench cli/bufpool-bench --bare-ring bench/bare-ring \
             [--decode examples/ffmpeg/bp-decode --ffmpeg /usr/bin/ffmpeg] \
             --out DIR --docs docs/PERFORMANCE.md [--png docs/handoff.png]

Measures, every figure a median of --repeat alternating runs and every
ratio between implementations measured in the same invocation:

  pipeline  1 -> 1 and 4 -> 4 threads, 64 B / 4 KiB / 1 MiB, queue depth
            --depth: bufpool against DPDK's rte_mempool (per-lcore cache),
            the `none` ring (the harness alone), FFmpeg, malloc, GStreamer;
  harness   the `none` pipeline against bench/bare-ring (the same hand-off
            with no harness at all), alternating processes;
  decoder   the decoder pattern (720p yuv420p frames) on 2 and 8 workers,
            and 8 workers at 3 resolutions: throughput, peak allocated
            bytes against peak bytes in use;
  ffmpeg    examples/ffmpeg/bp-decode on H.264 and HEVC 720p clips (4 s,
            made with ffmpeg's lavfi testsrc2), -threads 8 frame threading:
            bufpool's frame pools against FFmpeg's default allocator,
            allocations, CPU time, wall time, peak RSS.

Writes DIR/*.json (raw), DIR/manifest.json (commands, load), DIR/*.dat (for
bench/handoff.gp), DIR/handoff.md, replaces the text between
`<!-- handoff:begin -->` and `<!-- handoff:end -->` in the docs file
(appended when missing), and prints the PASS/FAIL summary.

Python 3 standard library only.
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time

import docblock

BEGIN = "<!-- handoff:begin -->"
END = "<!-- handoff:end -->"
SIZES = [64, 4096, 1 << 20]
PIPE_THREADS = [2, 8]
# Both pipeline threads on one CPU, a queue deep enough that they take
# turns: the CPU work per pair, without cache-line transfers or the
# scheduler's choices (which decide the 2-CPU figures on a loaded machine).
ONE_CPU, ONE_CPU_DEPTH = 0, 4096
PIPE_IMPLS = ["bufpool", "dpdk", "none", "ffmpeg", "malloc", "gstreamer"]
# dpdk last: its EAL stays resident and inflates the later runs' peak RSS.
DEC_IMPLS = ["bufpool", "ffmpeg", "none", "malloc", "gstreamer", "dpdk"]
DECODER_RUNS = [("w2", ["-t", "2"]), ("w8", ["-t", "8"]),
                ("w8-3res", ["-t", "8", "-R", "3"])]
CLIPS = [("h264", ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3"]),
         ("hevc", ["-c:v", "libx265", "-preset", "ultrafast",
                   "-x265-params", "log-level=error"])]
# Issue 12's targets.
T_PIPE_VS_DPDK = 1.0
T_PIPE_VS_NONE = 0.8
T_HARNESS_VS_BARE = 0.5
T_DEC_BYTES_VS_FFMPEG = 1.1
T_DEC_PPS_VS_FFMPEG = 3.0
T_FF_ALLOCS = 1.1
T_FF_CPU = 1.0
T_FF_RSS = 1.05


def size_arg(n):
    for suffix, unit in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= unit and n % unit == 0:
            return "%d%s" % (n // unit, suffix)
    return str(n)


def human_size(n):
    for suffix, unit in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= unit and n % unit == 0:
            return "%d %s" % (n // unit, suffix)
    return "%d B" % n


def mib(b):
    return "-" if b is None else "%.1f MiB" % (b / (1 << 20))


def mps(x):
    if x is None:
        return "-"
    return "%.1f M" % (x / 1e6) if x >= 1e7 else "%.2f M" % (x / 1e6)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rx(x):
    return "-" if x is None else "%.2f×" % x


def verdict(ok):
    return "n/a" if ok is None else ("**PASS**" if ok else "**FAIL**")


def all_of(oks):
    oks = list(oks)
    if not oks or any(o is None for o in oks):
        return None
    return all(oks)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return ""


class Runner:
    def __init__(self, args):
        self.args = args
        src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            git = subprocess.run(["git", "-C", src, "describe", "--always",
                                  "--dirty"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            git = ""
        self.man = {"started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                    "source": git,
                    "settings": {"duration": args.duration,
                                 "repeat": args.repeat, "depth": args.depth},
                    "runs": {}, "loadavg_before": loadavg()}
        self.t0 = time.time()

    def sh(self, argv, out=None, quiet=False):
        cmd = " ".join(shlex.quote(a) for a in argv)
        if not quiet:
            print("handoff.py [%.0f s]: %s" % (time.time() - self.t0, cmd),
                  flush=True)
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            sys.exit("handoff.py: failed (exit status %d): %s"
                     % (p.returncode, cmd))
        if out:
            with open(out, "w") as f:
                f.write(p.stdout)
        return cmd, p.stdout

    def impls(self):
        _, v = self.sh([self.args.bench, "-V"], quiet=True)
        for line in v.splitlines():
            if line.startswith("implementations:"):
                return [x.strip() for x in line.split(":", 1)[1].split(",")]
        return ["bufpool"]

    def bench(self, rid, extra):
        a = self.args
        path = os.path.join(a.out, rid + ".json")
        argv = [a.bench, "-d", str(a.duration), "-r", str(a.repeat), "-q",
                "-f", "json", "-o", path] + extra
        cmd, _ = self.sh(argv)
        with open(path) as f:
            d = json.load(f)
        self.man["runs"][rid] = {"command": cmd, "loadavg": loadavg()}
        return {r["impl"]: r for r in d["results"]}

    def run(self):
        a = self.args
        have = self.impls()
        res = {"pipeline": {}, "bare": {}, "decoder": {}, "ffmpeg": {}}
        pimpls = ",".join(i for i in PIPE_IMPLS if i in have)
        for t in PIPE_THREADS:
            for s in SIZES:
                rid = "pipeline-t%d-%s" % (t, size_arg(s))
                res["pipeline"][rid] = self.bench(rid, [
                    "-p", "pipeline", "-t", str(t), "-s", size_arg(s),
                    "-D", str(a.depth), "-i", pimpls])
        for s in SIZES:
            rid = "pipeline-1cpu-%s" % size_arg(s)
            res["pipeline"][rid] = self.bench(rid, [
                "-p", "pipeline", "-t", "2", "-s", size_arg(s), "-c",
                str(ONE_CPU), "-D", str(ONE_CPU_DEPTH), "-i", pimpls])
        # The harness against a bare ring: separate processes, alternating;
        # on two CPUs, and on one.
        for pin in (False, True):
            depth = ONE_CPU_DEPTH if pin else a.depth
            for s in SIZES:
                bare, none, cmds = [], [], []
                for _ in range(a.repeat):
                    argv = [a.bare_ring, "-s", str(s), "-D", str(depth), "-d",
                            str(a.duration)]
                    cmd, out = self.sh(argv + (["-c", str(ONE_CPU)] if pin
                                               else []), quiet=True)
                    bare.append(float(out.strip().splitlines()[-1]
                                      .split(",")[4]))
                    cmds = [cmd]
                    argv = [a.bench, "-p", "pipeline", "-t", "2", "-s",
                            size_arg(s), "-D", str(depth), "-d",
                            str(a.duration), "-q", "-f", "json", "-i", "none"]
                    cmd2, out = self.sh(argv + (["-c", str(ONE_CPU)] if pin
                                                else []), quiet=True)
                    none.append(json.loads(out)["results"][0]["pairs_per_sec"])
                    cmds.append(cmd2)
                rid = "bare-%s%s" % ("1cpu-" if pin else "", size_arg(s))
                print("handoff.py [%.0f s]: %s and %s, %d times each" % (
                    time.time() - self.t0, cmds[0], cmds[1], a.repeat),
                    flush=True)
                res["bare"][rid] = {"bare": statistics.median(bare),
                                    "none": statistics.median(none),
                                    "bare_runs": bare, "none_runs": none}
                self.man["runs"][rid] = {"command": " ; ".join(cmds),
                                         "alternated": a.repeat,
                                         "loadavg": loadavg()}
        dimpls = ",".join(i for i in DEC_IMPLS if i in have)
        for name, extra in DECODER_RUNS:
            rid = "decoder-" + name
            res["decoder"][rid] = self.bench(rid, ["-p", "decoder", "-i", dimpls]
                                             + extra)
        if a.decode and a.ffmpeg:
            res["ffmpeg"] = self.ffmpeg_runs()
        else:
            self.man["ffmpeg_note"] = ("not run: examples/ffmpeg not built "
                                       "or no ffmpeg program")
        self.man["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        self.man["elapsed_s"] = round(time.time() - self.t0, 1)
        self.man["loadavg_after"] = loadavg()
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
        with open(os.path.join(a.out, "manifest.json"), "w") as f:
            json.dump(self.man, f, indent=1)
        return res

    def ffmpeg_runs(self):
        a = self.args
        clipdir = os.path.join(a.out, "clips")
        os.makedirs(clipdir, exist_ok=True)
        encoders = self.sh([a.ffmpeg, "-hide_banner", "-encoders"],
                           quiet=True)[1]
        out = {}
        rows = [(c, o, 8) for c, o in CLIPS] + [("h264", CLIPS[0][1], 1)]
        made = {}
        for codec, opts, threads in rows:
            if codec not in made:
                if " %s " % opts[1] not in encoders:
                    made[codec] = None
                    continue
                clip = os.path.join(clipdir, codec + ".mkv")
                cmd, _ = self.sh([a.ffmpeg, "-nostdin", "-hide_banner",
                                  "-loglevel", "error", "-y", "-f", "lavfi",
                                  "-i", "testsrc2=size=1280x720:rate=25:"
                                  "duration=4"] + opts + ["-an", clip])
                made[codec] = clip
                self.man["runs"]["clip-" + codec] = {"command": cmd}
            clip = made[codec]
            if clip is None:
                continue
            runs = {"default": [], "bufpool": []}
            cmds = {}
            for _ in range(a.repeat):
                for alloc in ("default", "bufpool"):
                    cmd, o = self.sh([a.decode, "-a", alloc, "-t", str(threads),
                                      "-j", clip], quiet=True)
                    runs[alloc].append(json.loads(o))
                    cmds[alloc] = cmd
            rid = "ffmpeg-%s-t%d" % (codec, threads)
            print("handoff.py [%.0f s]: %s and %s, %d times each, alternating"
                  % (time.time() - self.t0, cmds["default"], cmds["bufpool"],
                     a.repeat), flush=True)
            med = {}
            for alloc, rs in runs.items():
                m = {}
                for k in ("allocs", "alloc_bytes", "cpu_s", "wall_s",
                          "max_rss_kib", "frames"):
                    vals = [r[k] for r in rs if r.get(k) is not None]
                    m[k] = statistics.median(vals) if vals else None
                m["runs"] = rs
                med[alloc] = m
            out[rid] = {"codec": codec, "threads": threads, "r": med}
            self.man["runs"][rid] = {"command": " ; ".join(
                cmds[k] for k in ("default", "bufpool")),
                "alternated": a.repeat, "loadavg": loadavg()}
        return out


class Report:
    def __init__(self, res, man, args):
        self.res, self.man, self.args = res, man, args
        self.out, self.summary = [], []

    def p(self, *lines):
        self.out.extend(lines)

    def cmd(self, rid):
        run = self.man["runs"].get(rid, {})
        load = run.get("loadavg", "").split()
        return run.get("command", "?") + (
            "   # load average %s" % load[0] if load else "")

    def commands(self, rids):
        self.p("", "Commands (build tree):", "", "```sh")
        self.p(*[self.cmd(r) for r in rids])
        self.p("```", "")

    def pipeline(self):
        pipe = self.res["pipeline"]
        if not pipe:
            return
        self.p("### Pipeline: hand-off from producer to consumer", "",
               "`-p pipeline -D %d`: producers get, pass each buffer through a "
               "single-producer/single-consumer queue of depth %d, consumers "
               "release.  Throughput (pairs/s) of the median run; ratios are "
               "bufpool's divided by the peer's in the same invocation.  "
               "Targets: bufpool ≥ %g× DPDK's mempool, ≥ %g× the `none` ring.  "
               "*2 on 1 CPU* (information, not a target): both threads pinned "
               "to CPU %d with a queue of depth %d, so that they take turns; "
               "pairs/s is then the CPU work per pair, without cache-line "
               "transfers or the scheduler's choices, which decide the "
               "two-CPU figures when the machine is busy."
               % (self.args.depth, self.args.depth, T_PIPE_VS_DPDK,
                  T_PIPE_VS_NONE, ONE_CPU, ONE_CPU_DEPTH), "",
               "| threads | size | bufpool | dpdk | none | FFmpeg | malloc "
               "| GStreamer | bufpool / dpdk | bufpool / none | result |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        dat = {t: [] for t in PIPE_THREADS}
        for t in PIPE_THREADS:
            for s in SIZES:
                rid = "pipeline-t%d-%s" % (t, size_arg(s))
                r = pipe.get(rid, {})
                v = {i: (r[i]["pairs_per_sec"] if i in r else None)
                     for i in PIPE_IMPLS}
                vd, vn = ratio(v["bufpool"], v["dpdk"]), ratio(v["bufpool"],
                                                               v["none"])
                ok = all_of([None if vd is None else vd >= T_PIPE_VS_DPDK,
                             None if vn is None else vn >= T_PIPE_VS_NONE])
                oks.append(ok)
                self.p("| %d (%d → %d) | %s | %s | %s | %s | %s | %s | %s | %s "
                       "| %s | %s |" % (t, t // 2, t // 2, human_size(s),
                                        *[mps(v[i]) for i in PIPE_IMPLS],
                                        rx(vd), rx(vn), verdict(ok)))
                dat[t].append("%d %s" % (s, " ".join(
                    "?" if v[i] is None else "%.1f" % v[i] for i in PIPE_IMPLS)))
        one = [s for s in SIZES
               if "pipeline-1cpu-%s" % size_arg(s) in pipe]
        for s in one:
            r = pipe["pipeline-1cpu-%s" % size_arg(s)]
            v = {i: (r[i]["pairs_per_sec"] if i in r else None)
                 for i in PIPE_IMPLS}
            self.p("| 2 on 1 CPU | %s | %s | %s | %s | (info) |"
                   % (human_size(s), " | ".join(mps(v[i]) for i in PIPE_IMPLS),
                      rx(ratio(v["bufpool"], v["dpdk"])),
                      rx(ratio(v["bufpool"], v["none"]))))
        for t in PIPE_THREADS:
            with open(os.path.join(self.args.out, "pipeline-t%d.dat" % t),
                      "w") as f:
                f.write("# size %s (pairs/s; ? = not built)\n"
                        % " ".join(PIPE_IMPLS))
                f.write("\n".join(dat[t]) + "\n")
        self.p("", "Memory at the same runs (4 KiB): peak bytes allocated "
               "(what the implementation holds) and, where it can tell, in "
               "use:", "",
               "| threads | impl | allocs | peak_bytes | peak_in_use_bytes |",
               "|---:|---|---:|---:|---:|")
        for t in PIPE_THREADS:
            r = pipe.get("pipeline-t%d-4K" % t, {})
            for i in PIPE_IMPLS:
                if i in r:
                    x = r[i]
                    self.p("| %d | %s | %s | %s | %s |" % (
                        t, i, "-" if x["allocs"] is None else x["allocs"],
                        mib(x["peak_bytes"]), mib(x["peak_in_use_bytes"])))
        self.commands(sorted(pipe, key=lambda k: ("1cpu" in k, k)))
        self.summary.append(("pipeline, 2 and 8 threads, 64 B / 4 KiB / 1 MiB: "
                             "bufpool ≥ %g× dpdk and ≥ %g× none"
                             % (T_PIPE_VS_DPDK, T_PIPE_VS_NONE), all_of(oks)))

    def harness(self):
        bare = self.res["bare"]
        if not bare:
            return
        self.p("### The harness against a bare ring", "",
               "`bench/bare-ring`: the same hand-off (one producer, one "
               "consumer, preallocated buffers, first byte written and read) "
               "with no harness, no function pointers, no pool; against "
               "`bufpool-bench -p pipeline -t 2 -i none`.  Separate "
               "processes, alternating, medians of %d each; on two CPUs "
               "(depth %d), and both threads on CPU %d (depth %d: the CPU "
               "work per pair).  Item 1 of the issue: `none` within 2× of "
               "the bare ring (≥ %g×)."
               % (self.args.repeat, self.args.depth, ONE_CPU, ONE_CPU_DEPTH,
                  T_HARNESS_VS_BARE), "",
               "| CPUs | size | bare ring pairs/s | none pairs/s | none / bare "
               "| result |", "|---|---:|---:|---:|---:|:---:|")
        oks = []
        rids = []
        for pin in ("", "1cpu-"):
            for s in SIZES:
                rid = "bare-" + pin + size_arg(s)
                b = bare.get(rid)
                if not b:
                    continue
                rids.append(rid)
                rr = ratio(b["none"], b["bare"])
                ok = None if rr is None else rr >= T_HARNESS_VS_BARE
                oks.append(ok)
                self.p("| %s | %s | %s | %s | %s | %s |" % (
                    "1" if pin else "2", human_size(s), mps(b["bare"]),
                    mps(b["none"]), rx(rr), verdict(ok)))
        self.commands(rids)
        self.summary.append(("harness: `none` pipeline ≥ %g× a bare ring"
                             % T_HARNESS_VS_BARE, all_of(oks)))

    def decoder(self):
        dec = self.res["decoder"]
        if not dec:
            return
        self.p("### Decoder pattern", "",
               "`-p decoder`: W workers each get a 1280×720 yuv420p frame "
               "(921,600 + 2 × 230,400 bytes, three pools), write its first "
               "bytes, and publish it in a reorder queue of depth 2W; one "
               "output thread releases frames in order.  `-R 3`: three "
               "resolutions at once (planes ×1, ×1.25, ×1.5).  frames/s of "
               "the median run; *allocated* = peak_bytes (what the "
               "implementation had allocated at its peak: allocs × size; "
               "dpdk: its fixed population; none: what it preallocated, "
               "the workload's bound of W + D frames per resolution); *in "
               "use* = the "
               "workload's own count of bytes in frames got and not yet "
               "released, at its highest.  Targets: bufpool's allocated ≤ "
               "%g× FFmpeg's, frames/s ≥ %g× FFmpeg's."
               % (T_DEC_BYTES_VS_FFMPEG, T_DEC_PPS_VS_FFMPEG), "",
               "| run | impl | frames/s | vs bufpool | allocated | in use "
               "| allocated / in use | peak RSS |",
               "|---|---|---:|---:|---:|---:|---:|---:|")
        oks = []
        dat = []
        for name, _ in DECODER_RUNS:
            rid = "decoder-" + name
            r = dec.get(rid, {})
            b = r.get("bufpool")
            for i in DEC_IMPLS:
                if i not in r:
                    continue
                x = r[i]
                fps = x["pairs_per_sec"] / 3
                self.p("| %s | %s | %.0f | %s | %s | %s | %s | %s |" % (
                    name, i, fps,
                    rx(ratio(x["pairs_per_sec"], b and b["pairs_per_sec"])),
                    mib(x["peak_bytes"]), mib(x["peak_in_use_bytes"]),
                    rx(ratio(x["peak_bytes"], x["peak_in_use_bytes"])),
                    mib(x["peak_rss_kib"] * 1024
                        if x.get("peak_rss_kib") is not None else None)))
            f = r.get("ffmpeg")
            if b and f:
                vb = ratio(b["peak_bytes"], f["peak_bytes"])
                vp = ratio(b["pairs_per_sec"], f["pairs_per_sec"])
                ok = all_of([None if vb is None else vb <= T_DEC_BYTES_VS_FFMPEG,
                             None if vp is None else vp >= T_DEC_PPS_VS_FFMPEG])
            else:
                vb = vp = ok = None
            oks.append(ok)
            self.p("| %s | **bufpool / FFmpeg** | | %s | %s | | | %s |"
                   % (name, rx(vp), rx(vb), verdict(ok)))
            if name == "w8":
                for i in DEC_IMPLS:
                    if i in r:
                        dat.append("%s %.1f %s %s" % (
                            i, r[i]["pairs_per_sec"] / 3, *[
                                "?" if r[i][k] is None
                                else "%.3f" % (r[i][k] / (1 << 20))
                                for k in ("peak_bytes", "peak_in_use_bytes")]))
        with open(os.path.join(self.args.out, "decoder.dat"), "w") as fh:
            fh.write("# impl frames/s allocated_MiB in_use_MiB (8 workers)\n")
            fh.write("\n".join(dat) + "\n")
        self.p("", "DPDK's allocated bytes are its mempool's population, sized "
               "so that no get fails: the most the workload holds plus 384 "
               "(its cache flush threshold) per thread, mapped lazily.  Peak "
               "RSS is each run's own process's (dpdk's includes its EAL).  "
               "The "
               "frames/s of W + 1 threads on this machine's 2 CPUs are set "
               "mostly by how the scheduler interleaves them: compare them "
               "with `none`'s, the harness alone.")
        self.commands(["decoder-" + n for n, _ in DECODER_RUNS])
        self.summary.append(("decoder: bufpool allocated ≤ %g× FFmpeg's, "
                             "frames/s ≥ %g× FFmpeg's"
                             % (T_DEC_BYTES_VS_FFMPEG, T_DEC_PPS_VS_FFMPEG),
                             all_of(oks)))

    def ffmpeg(self):
        ff = self.res["ffmpeg"]
        if not ff:
            note = self.man.get("ffmpeg_note")
            if note:
                self.p("### FFmpeg's decoders with bufpool frame pools", "",
                       "Not measured: %s." % note, "")
                self.summary.append(("FFmpeg example, -threads 8: allocs ≤ "
                                     "%g×, CPU ≤ %g×, RSS ≤ %g× FFmpeg's default"
                                     % (T_FF_ALLOCS, T_FF_CPU, T_FF_RSS), None))
            return
        self.p("### FFmpeg's decoders with bufpool frame pools", "",
               "`examples/ffmpeg/bp-decode`: libavcodec decoding a 4 s "
               "1280×720 clip (100 frames, made with ffmpeg's lavfi "
               "`testsrc2`), its frame buffers from bufpool through "
               "`get_buffer2` or from FFmpeg's default allocator, the two "
               "alternating, medians of %d each.  *allocs*: frame buffers "
               "allocated (FFmpeg's counted where its frame pools call "
               "`av_buffer_allocz`); CPU = user + system of the whole process. "
               " Targets at -threads 8 (frame threading): allocs ≤ %g×, "
               "CPU ≤ %g×, peak RSS ≤ %g× FFmpeg's default."
               % (self.args.repeat, T_FF_ALLOCS, T_FF_CPU, T_FF_RSS), "",
               "| clip | threads | allocs FFmpeg → bufpool | CPU s "
               "| wall s | peak RSS MiB | allocs | CPU | RSS | result |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
        oks = []
        for rid in sorted(ff, key=lambda k: (-ff[k]["threads"], k)):
            x = ff[rid]
            d, b = x["r"]["default"], x["r"]["bufpool"]
            ra = ratio(b["allocs"], d["allocs"])
            rc = ratio(b["cpu_s"], d["cpu_s"])
            rr = ratio(b["max_rss_kib"], d["max_rss_kib"])
            ok = None
            if x["threads"] == 8:
                ok = all_of([None if ra is None else ra <= T_FF_ALLOCS,
                             None if rc is None else rc <= T_FF_CPU,
                             None if rr is None else rr <= T_FF_RSS])
                oks.append(ok)

            def fmt(k, f):
                return "%s → %s" % (f % d[k] if d[k] is not None else "-",
                                    f % b[k] if b[k] is not None else "-")
            self.p("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                x["codec"], x["threads"], fmt("allocs", "%d"),
                fmt("cpu_s", "%.2f"), fmt("wall_s", "%.2f"),
                "%.0f → %.0f" % (d["max_rss_kib"] / 1024,
                                 b["max_rss_kib"] / 1024),
                rx(ra), rx(rc), rx(rr),
                verdict(ok) if x["threads"] == 8 else "(info)"))
        self.commands(["clip-" + c for c, _ in CLIPS] + sorted(ff))
        self.summary.append(("FFmpeg example, H.264 and HEVC -threads 8: "
                             "allocs ≤ %g×, CPU ≤ %g×, RSS ≤ %g× FFmpeg's "
                             "default" % (T_FF_ALLOCS, T_FF_CPU, T_FF_RSS),
                             all_of(oks)))

    def build(self):
        m = self.man
        self.p("Measured %s to %s (%s s) on source `%s`; load average %s "
               "before, %s after; `-d %s -r %s`, queue depth %s."
               % (m["started"], m.get("finished", "?"), m.get("elapsed_s", "?"),
                  m.get("source") or "?",
                  m.get("loadavg_before", "?"), m.get("loadavg_after", "?"),
                  m["settings"]["duration"], m["settings"]["repeat"],
                  m["settings"]["depth"]), "")
        body = len(self.out)
        self.pipeline()
        self.harness()
        self.decoder()
        self.ffmpeg()
        rest = self.out[body:]
        self.out = self.out[:body]
        self.p("| issue 12 target | result |", "|---|:---:|")
        for what, ok in self.summary:
            self.p("| %s | %s |" % (what, verdict(ok)))
        self.p("", "![pipeline and decoder patterns per implementation]"
               "(handoff.png)", "",
               "`docs/handoff.png` (bench/handoff.gp): top, the pipeline's "
               "pairs/s against buffer size on 2 and 8 threads; bottom, the "
               "decoder pattern on 8 workers, frames/s and the bytes each "
               "implementation allocated against the bytes in use.", "")
        self.out.extend(rest)
        text = "\n".join(self.out).rstrip("\n") + "\n"
        return ("%s\n<!-- Generated by bench/handoff.py (make bench) from "
                "bench/results/handoff/; do not edit by hand. -->\n\n%s%s"
                % (BEGIN, text, END))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="cli/bufpool-bench")
    ap.add_argument("--bare-ring", default="bench/bare-ring")
    ap.add_argument("--decode", default="")
    ap.add_argument("--ffmpeg", default="")
    ap.add_argument("--out", default="bench/results/handoff")
    ap.add_argument("--docs", default="docs/PERFORMANCE.md")
    ap.add_argument("--duration", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--report-only", action="store_true",
                    help="only the tables, from the results in --out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.report_only:
        with open(os.path.join(args.out, "results.json")) as f:
            res = json.load(f)
        with open(os.path.join(args.out, "manifest.json")) as f:
            man = json.load(f)
        s = man["settings"]
        args.duration, args.repeat, args.depth = (s["duration"], s["repeat"],
                                                  s["depth"])
    else:
        if args.decode and not os.path.exists(args.decode):
            args.decode = ""
        if args.ffmpeg and not shutil.which(args.ffmpeg):
            args.ffmpeg = ""
        runner = Runner(args)
        res = runner.run()
        man = runner.man
    rep = Report(res, man, args)
    block = rep.build()
    with open(os.path.join(args.out, "handoff.md"), "w") as f:
        f.write(block + "\n")
    docblock.rewrite(args.docs, BEGIN, END, block, "handoff.py", args.out)
    print("\nIssue 12 targets (bench/handoff.py):")
    for what, ok in rep.summary:
        print("  %-6s %s" % ({None: "n/a", True: "PASS", False: "FAIL"}[ok],
                             what))


if __name__ == "__main__":
    main()
