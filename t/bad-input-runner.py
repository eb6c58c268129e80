#!/usr/bin/env python3
"""Bad input, everywhere: runs every row of t/bad-input.tsv and checks it.

    t/bad-input-runner.py                  run every row (TAP), then check that
                                    docs/RELIABILITY.md's table matches the data
    t/bad-input-runner.py --table          print the Markdown table made from the data
    t/bad-input-runner.py --update-docs    rewrite the table in docs/RELIABILITY.md

Environment (set by `make check`): top_srcdir, top_builddir, CC, CFLAGS,
LDFLAGS, BP_PYTHON, BP_LUA, SAN_PRELOAD, PYTHONPATH.  Rows of a binding that
is not built are skipped (TAP SKIP), as are Python and Lua rows in sanitizer
builds (the interpreters are not instrumented; the bindings' own tests cover
them there).
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("top_builddir") or SRCDIR
DATA = os.path.join(SRCDIR, "t", "bad-input.tsv")
DOC = os.path.join(SRCDIR, "docs", "RELIABILITY.md")
BEGIN = "<!-- bad-input table: generated from t/bad-input.tsv by t/bad-input-runner.py --update-docs -->"
END = "<!-- end of bad-input table -->"
SURFACES = ("C", "CLI", "Python", "Lua")
TIMEOUT = 60


def load_rows():
    rows = []
    with open(DATA, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 4 or cols[0] not in SURFACES:
                raise SystemExit("%s:%d: expected 4 tab-separated columns, "
                                 "the first one of %s" % (DATA, lineno, SURFACES))
            rows.append(dict(surface=cols[0], input=cols[1], code=cols[2],
                             outcome=cols[3], line=lineno))
    return rows


# --------------------------------------------------------------------------
# The Markdown table

def md_cell(text, code=False):
    text = text.replace("|", "\\|")
    if code:
        tick = "``" if "`" in text else "`"
        pad = " " if tick == "``" else ""
        return "%s%s%s%s%s" % (tick, pad, text, pad, tick)
    return text


def table(rows):
    out = [BEGIN, "",
           "| # | Surface | Bad input | Tried as | Outcome |",
           "|--:|---------|-----------|----------|---------|"]
    for i, r in enumerate(rows, 1):
        out.append("| %d | %s | %s | %s | %s |" % (
            i, r["surface"], md_cell(r["input"]), md_cell(r["code"], True),
            md_cell(r["outcome"], True)))
    out += ["", END]
    return "\n".join(out) + "\n"


def doc_table(text):
    b = text.find(BEGIN)
    e = text.find(END)
    if b < 0 or e < b:
        return None
    return text[b:e + len(END)] + "\n"


def update_docs(rows):
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    old = doc_table(text)
    if old is None:
        raise SystemExit("%s: no table markers" % DOC)
    new = table(rows)
    text = text.replace(old, new)
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(text)


# --------------------------------------------------------------------------
# Outcomes

def matches(expected, got):
    """Exact match, except that "…" in expected matches any text."""
    pattern = ".*".join(re.escape(p) for p in expected.split("\u2026"))
    return re.fullmatch(pattern, got, re.S) is not None


def crash_outcome(rc, out, err):
    if rc < 0:
        return "crash: signal %d" % -rc
    return "exit %d (%s)" % (rc, (out + err).strip().replace("\n", " | ")[:300])


C_PRELUDE = r"""
#include <bufpool.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *ename(int e)
{
    static char buf[32];
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ERANGE: return "ERANGE";
    case EOVERFLOW: return "EOVERFLOW";
    case E2BIG: return "E2BIG";
    case ECANCELED: return "ECANCELED";
    case EPROTO: return "EPROTO";
    case EIO: return "EIO";
    default: snprintf(buf, sizeof buf, "errno %d", e); return buf;
    }
}
/* A call that returns a pointer: on success the outcome says so (and the
 * row fails, so nothing needs freeing). */
#define PTR(e) do { errno = 0; const void *p_ = (e); \
    if (p_) printf("a pointer"); \
    else printf("NULL, errno %s", ename(errno)); } while (0)
#define INT(e) do { int v_ = (e); \
    if (v_ < 0) printf("-%s", ename(-v_)); else printf("%d", v_); } while (0)
#define SZ(e) printf("%zu", (size_t)(e))
#define NOOP() printf("no-op")
#define SAY(s) printf("%s", (s))
/* Alloc callbacks that break their contract or fail. */
__attribute__((unused)) static bp_ref *short_alloc(void *o, size_t n)
{
    (void)o;
    return bp_alloc(n - 1);
}
__attribute__((unused)) static bp_ref *misaligned_alloc(void *o, size_t n)
{
    bp_ref *r = bp_alloc(n + 1);   /* 64-aligned data; hand out data + 1 */
    (void)o;
    if (r) {
        r->data++;
        r->size = n;
    }
    return r;
}
__attribute__((unused)) static bp_ref *eio_alloc(void *o, size_t n)
{
    (void)o;
    (void)n;
    errno = EIO;
    return NULL;
}
"""


def build_c(rows, tmp):
    src = [C_PRELUDE]
    for i, r in enumerate(rows):
        src.append("static void row%d(void)\n{\n    %s\n}\n" % (i, r["code"]))
    src.append("int main(int argc, char **argv)\n{\n"
               "    int i = argc > 1 ? atoi(argv[1]) : -1;\n    switch (i) {\n")
    for i in range(len(rows)):
        src.append("    case %d: row%d(); break;\n" % (i, i))
    src.append("    default: return 2;\n    }\n    printf(\"\\n\");\n"
               "    return 0;\n}\n")
    c = os.path.join(tmp, "bad-input-c.c")
    with open(c, "w") as f:
        f.write("".join(src))
    exe = os.path.join(tmp, "bad-input-c")
    cc = shlex.split(os.environ.get("CC", "cc"))
    cmd = [os.path.join(BUILDDIR, "libtool"), "--mode=link"] + cc + \
        shlex.split(os.environ.get("CFLAGS", "")) + \
        ["-I" + os.path.join(SRCDIR, "lib"), "-o", exe, c,
         os.path.join(BUILDDIR, "lib", "libbufpool.la")] + \
        shlex.split(os.environ.get("LDFLAGS", ""))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stdout + p.stderr
    return exe, ""


def run(cmd, env=None, stdin=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       input=stdin, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def outcome_c(exe, index):
    rc, out, err = run([exe, str(index)])
    if rc != 0:
        return crash_outcome(rc, out, err)
    return out.strip()


def outcome_cli(r):
    bench = os.path.join(BUILDDIR, "cli", "bufpool-bench")
    rc, out, err = run([bench, "-q"] + shlex.split(r["code"]))
    if rc < 0:
        return crash_outcome(rc, out, err)
    first = err.split("\n", 1)[0]
    if first.startswith("bufpool-bench: "):
        first = first[len("bufpool-bench: "):]
    return "exit %d: %s" % (rc, first)


PY_RUNNER = r"""
import ast, sys
import bufpool
code = sys.stdin.read()
tree = ast.parse(code)
last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
ns = {"bufpool": bufpool}
try:
    exec(compile(tree, "<row>", "exec"), ns)
    r = eval(compile(ast.Expression(last.value), "<row>", "eval"), ns) if last else None
    print("returns %r" % (r,))
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
"""

LUA_RUNNER = r"""
local bufpool = require "bufpool"
local code = io.read("*a")
local env = setmetatable({bufpool = bufpool}, {__index = _G})
local f
if setfenv then                       -- Lua 5.1, LuaJIT
  f = assert(loadstring(code, "=row")); setfenv(f, env)
else
  f = assert(load(code, "=row", "t", env))
end
local function pack(...) return {n = select("#", ...), ...} end
local res = pack(pcall(f))
if not res[1] then
  local msg = tostring(res[2]):gsub("^row:%d+: ", "")
  print("error: " .. msg)
elseif res.n == 1 then
  print("returns nothing")
else
  local t = {}
  for i = 2, res.n do
    local v = res[i]
    t[#t + 1] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  print("returns " .. table.concat(t, ", "))
end
collectgarbage()
"""


def interp_env(lua_api=None):
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for v in ("", "_5_2", "_5_3", "_5_4"):
        env["LUA_INIT" + v] = ""
    if lua_api:
        env["LUA_CPATH"] = os.path.join(BUILDDIR, "bindings", "lua", lua_api,
                                        ".libs", "?.so")
    return env


def outcome_interp(cmd, r, lua_api=None):
    rc, out, err = run(cmd, env=interp_env(lua_api), stdin=r["code"])
    if rc != 0:
        return crash_outcome(rc, out, err)
    return out.strip()


def lua_interpreters():
    """(API, interpreter) of every Lua the binding was built for (Lua rows
    run with each: the same outcome on all of them)."""
    runs = []
    for item in os.environ.get("BP_LUA_VERSIONS", "").split():
        api, _, lua = item.partition("=")
        if os.path.exists(os.path.join(BUILDDIR, "bindings", "lua", api, ".libs",
                                       "bufpool.so")):
            runs.append((api, lua))
    return runs


def outcome_lua(r, runs):
    """The outcome, the same on every interpreter, or what differs."""
    got = {}
    for api, lua in runs:
        got.setdefault(outcome_interp([lua, "-e", LUA_RUNNER], r, api), []).append(
            os.path.basename(lua))
    if len(got) == 1:
        return next(iter(got))
    return " | ".join("%s: %s" % (",".join(v), k) for k, v in got.items())


# --------------------------------------------------------------------------

def main(argv):
    rows = load_rows()
    if "--table" in argv:
        sys.stdout.write(table(rows))
        return 0
    if "--update-docs" in argv:
        update_docs(rows)
        return 0

    san = bool(os.environ.get("SAN_PRELOAD"))
    py = os.environ.get("BP_PYTHON", "")
    pymod = os.path.exists(os.path.join(BUILDDIR, "bindings", "python", "stage",
                                        "bufpool", "_bufpool.so"))
    luas = lua_interpreters()
    skip = {
        "C": None, "CLI": None,
        "Python": "sanitizer build" if san else
                  None if py and pymod else "Python binding not built",
        "Lua": "sanitizer build" if san else
               None if luas else "Lua binding not built",
    }

    n = 0
    failed = 0
    with tempfile.TemporaryDirectory(prefix="bad-input.") as tmp:
        crows = [r for r in rows if r["surface"] == "C"]
        exe, log = build_c(crows, tmp)
        cindex = {id(r): i for i, r in enumerate(crows)}
        for r in rows:
            n += 1
            name = "%s: %s -> %s" % (r["surface"], r["input"], r["outcome"])
            s = r["surface"]
            if skip[s]:
                print("ok %d - %s # SKIP %s" % (n, name, skip[s]))
                continue
            try:
                if s == "C":
                    got = outcome_c(exe, cindex[id(r)]) if exe else \
                        "the C rows do not compile"
                elif s == "CLI":
                    got = outcome_cli(r)
                elif s == "Python":
                    got = outcome_interp([py, "-c", PY_RUNNER], r)
                else:
                    got = outcome_lua(r, luas)
            except subprocess.TimeoutExpired:
                got = "timed out after %d s" % TIMEOUT
            if matches(r["outcome"], got):
                print("ok %d - %s" % (n, name))
            else:
                failed += 1
                print("not ok %d - %s" % (n, name))
                print("#   %s line %d" % (DATA, r["line"]))
                print("#   expected: %s" % r["outcome"])
                print("#   got:      %s" % got)
                if s == "C" and not exe:
                    for l in log.splitlines()[:40]:
                        print("#   " + l)

    n += 1
    try:
        with open(DOC, encoding="utf-8") as f:
            doc = doc_table(f.read())
    except OSError:
        doc = None
    if doc == table(rows):
        print("ok %d - docs/RELIABILITY.md's bad-input table matches t/bad-input.tsv" % n)
    else:
        failed += 1
        print("not ok %d - docs/RELIABILITY.md's bad-input table matches t/bad-input.tsv" % n)
        print("#   regenerate it: t/bad-input-runner.py --update-docs")
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
