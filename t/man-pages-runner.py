#!/usr/bin/env python3
"""The section-3 man pages made by man/genman.py (TAP).

- the functions with a page are those the header declares, and (besides
  the static inline ones) exactly those the shared library exports;
- every page has NAME, SYNOPSIS (with the declaration), DESCRIPTION,
  ERRORS and SEE ALSO, and its ERRORS names every errno the function's
  comment in the header names;
- bufpool(3) lists every function;
- groff finds nothing to warn about, and man(1) renders each page;
- genman.py refuses a header whose function has no comment, or whose
  comment names no error for a function that can fail.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..")
BUILD = os.environ.get("top_builddir") or SRC
HEADER = os.path.join(SRC, "lib", "bufpool.h")
sys.path.insert(0, os.path.join(SRC, "man"))
import genman  # noqa: E402

n = 0
failed = 0


def ok(cond, name, diag=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        failed += 1
        for ln in str(diag).splitlines()[:30]:
            print("# " + ln)


def skip(name, why):
    global n
    n += 1
    print("ok %d - %s # SKIP %s" % (n, name, why))


pages = os.path.join(BUILD, "man", "man3")
if not os.path.isfile(os.path.join(pages, "bufpool.3")):
    pages = os.path.join(SRC, "man", "man3")
hdr = genman.Header(HEADER)
funcs = [d.name for d in hdr.funcs]
by_name = {d.name: d for d in hdr.funcs}

# Independently of genman's parser: the functions a plain regex finds.
text = open(HEADER, encoding="utf-8").read()
declared = sorted(set(re.findall(r"^[a-z_ *]*[ *](bp_[a-z0-9_]+)\(", text, re.M)))
ok(sorted(funcs) == declared, "genman finds the %d functions the header "
   "declares" % len(declared), "genman: %s\nregex: %s" % (sorted(funcs), declared))

so = os.path.join(BUILD, "lib", ".libs", "libbufpool.so")
nm = shutil.which("nm")
if os.path.exists(so) and nm:
    out = subprocess.run([nm, "-D", "--defined-only", so], capture_output=True,
                         text=True).stdout
    exported = sorted(l.split()[2] for l in out.splitlines()
                      if len(l.split()) == 3 and l.split()[1] in "TDBRVW")
    inline = sorted(d.name for d in hdr.funcs if d.inline)
    ok(sorted(set(funcs) - set(inline)) == exported,
       "the pages' functions are the library's exported symbols, plus the "
       "inline %s" % ", ".join(inline),
       "pages: %s\nexported: %s" % (sorted(set(funcs) - set(inline)), exported))
else:
    skip("the pages' functions are the library's exports", "no shared library or nm")

have = sorted(f[:-2] for f in os.listdir(pages) if f.endswith(".3")) \
    if os.path.isdir(pages) else []
ok(sorted(funcs + ["bufpool"]) == have, "a page for every function, and bufpool.3",
   "missing: %s\nextra: %s" % (sorted(set(funcs + ["bufpool"]) - set(have)),
                               sorted(set(have) - set(funcs + ["bufpool"]))))

for d in hdr.funcs:
    path = os.path.join(pages, d.name + ".3")
    if not os.path.exists(path):
        ok(False, "%s.3 exists" % d.name)
        continue
    page = open(path, encoding="utf-8").read()
    sections = re.findall(r"^\.SH (.*)$", page, re.M)
    want = ["NAME", "SYNOPSIS", "DESCRIPTION", "ERRORS", "SEE ALSO"]
    errs = page.split(".SH ERRORS", 1)[1].split(".SH ", 1)[0] if ".SH ERRORS" in page else ""
    comment = " ".join(d.comment or [])
    # A function returning -errno reports the errnos written -ECODE; "never
    # fails with EINTR" is a promise, not an error.
    ret = d.text.split(d.name)[0]
    negative = "*" not in ret and re.search(r"\bint\b", ret) is not None
    named = set()
    for m in re.finditer(r"(-?)\b(E(?:INVAL|NOMEM|AGAIN|TIMEDOUT|2BIG|[A-Z]{3,}))\b",
                         comment):
        if (negative and not m.group(1)) or \
                re.search(r"\bnever (?:fails|returns) with\s*$", comment[:m.start()]):
            continue
        named.add(m.group(2))
    named = {e for e in named if genman.ERRNO.fullmatch(e)}
    # "As f()" / "errors as f()": f's errors count as this one's
    m = re.match(r"As (bp_\w+)\(\)", comment) or \
        re.search(r"errors (?:are )?as (bp_\w+)\(\)", comment)
    if m and not named and m.group(1) in by_name:
        named = set(re.findall(r"\b(E[A-Z0-9]{3,}|E2BIG)\b",
                               " ".join(by_name[m.group(1)].comment or [])))
    missing = sorted(e for e in named if "\\fB%s\\fP" % e not in errs)
    decl = genman.esc(d.text)
    problems = []
    if sections != want:
        problems.append("sections %s" % sections)
    if decl not in page:
        problems.append("no declaration %r" % decl)
    if missing:
        problems.append("ERRORS lacks %s" % missing)
    if not named and "reports no errors" not in errs:
        problems.append("no errno and no 'reports no errors'")
    ok(not problems, "%s.3: sections, declaration, ERRORS lists %s" % (
        d.name, ", ".join(sorted(named)) or "none"), "\n".join(problems))

ov = open(os.path.join(pages, "bufpool.3"), encoding="utf-8").read() \
    if os.path.exists(os.path.join(pages, "bufpool.3")) else ""
missing = [f for f in funcs if ".BR %s (3)" % f not in ov]
ok(ov and not missing, "bufpool.3 lists every function", "missing: %s" % missing)
ok(all(".SS %s" % t in ov for t in ("bp_pool_config", "bp_pool_stats", "bp_ref"))
   and "BP_POOL_CACHE_MAX" in ov, "bufpool.3 shows the types and constants")

# The timeout's contract (issue 19, row 9): the pages say which clock,
# what a signal does, whether it is a cancellation point, the fairness, and
# when a get may fail one buffer early.
def page(name):
    fn = os.path.join(pages, name + ".3")
    return open(fn, encoding="utf-8").read() if os.path.exists(fn) else ""


tp = page("bp_pool_get_timeout")
for what, words in (("the clock", ["CLOCK_MONOTONIC"]),
                    ("signals (EINTR)", ["EINTR", "Signals"]),
                    ("cancellation", ["not a cancellation point"]),
                    ("fairness", ["Fairness"]),
                    ("early failure", ["one buffer early"])):
    ok(all(w in tp for w in words), "bp_pool_get_timeout.3 states %s" % what)
ok("one buffer early" in page("bp_pool_get") and
   "ECANCELED" in page("bp_pool_get"),
   "bp_pool_get.3 states when EAGAIN comes one buffer early, and ECANCELED")

# groff and man are not instrumented: no sanitizer runtime preloaded.
clean_env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
groff = shutil.which("groff")
if groff:
    bad = []
    for f in sorted(os.listdir(pages)):
        if not f.endswith(".3"):
            continue
        r = subprocess.run([groff, "-man", "-ww", "-z", "-t", os.path.join(pages, f)],
                           capture_output=True, text=True, env=dict(clean_env, LC_ALL="C"))
        if r.returncode or r.stderr.strip():
            bad.append("%s: %s" % (f, r.stderr.strip()))
    ok(not bad, "groff -ww: no warnings on any page", "\n".join(bad))
else:
    skip("groff -ww: no warnings", "groff not installed")

man = shutil.which("man")
if man:
    r = subprocess.run([man, "-l", os.path.join(pages, "bp_pool_get.3")],
                       capture_output=True, text=True,
                       env=dict(clean_env, MANWIDTH="80", MANPAGER="cat",
                                PAGER="cat", LC_ALL="C.UTF-8"))
    ok(r.returncode == 0 and "bp_pool_get - takes a buffer" in r.stdout and
       "EAGAIN" in r.stdout.split("\nERRORS\n")[-1], "man -l bp_pool_get.3 renders",
       r.stdout[:1500] + r.stderr)
else:
    skip("man -l renders", "man not installed")

# genman refuses what would make a page without documentation.
with tempfile.TemporaryDirectory() as tmp:
    base = text.replace("#ifdef __cplusplus\n}\n#endif",
                        "@EXTRA@\n#ifdef __cplusplus\n}\n#endif")
    cases = [
        ("int bp_undocumented(int x);", "no comment above the declaration"),
        ("/* Does something. */\nbp_ref *bp_silent(void);",
         "returns an error indication but its comment names no errno"),
        ("/* Does something.  Returns 0 or -EINVAL (x negative). */\nint bp_fine(int x);", None),
    ]
    for extra, want in cases:
        h = os.path.join(tmp, "bufpool.h")
        with open(h, "w") as f:
            f.write(base.replace("@EXTRA@", "\n" + extra + "\n"))
        r = subprocess.run([sys.executable, os.path.join(SRC, "man", "genman.py"),
                            "--header", h, "--out", os.path.join(tmp, "out")],
                           capture_output=True, text=True)
        name = re.search(r"(bp_\w+)\(", extra).group(1)
        if want:
            ok(r.returncode == 1 and want in r.stderr and name in r.stderr,
               "genman.py refuses %s: %s" % (name, want), r.stderr)
        else:
            p = os.path.join(tmp, "out", name + ".3")
            ok(r.returncode == 0 and os.path.exists(p) and
               "\\fBEINVAL\\fP\nx negative." in open(p).read(),
               "genman.py makes the page of a function added to the header",
               r.stderr)

print("1..%d" % n)
sys.exit(1 if failed else 0)
