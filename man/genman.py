#!/usr/bin/env python3
"""genman.py - section-3 man pages from the comments of lib/bufpool.h.

    genman.py --header lib/bufpool.h --out DIR [--version V] [--date D]
    genman.py --header lib/bufpool.h --list     (function names, one a line)

The header is the reference manual: every public function is declared after
a comment that says what it does, what it returns and its errors.  This
script writes, into DIR:

  NAME.3      one page per function (also the static inline ones):
              NAME, SYNOPSIS (the declaration, the types and macros it
              uses), DESCRIPTION (the comment), ERRORS (every errno the
              comment names, with what it says about it), SEE ALSO
  bufpool.3   the overview: the header's first comment (error convention,
              thread safety, environment), every function with its
              one-line summary, the types and constants

A function without a comment, or a comment that names no error for a
function that returns an error indication (NULL, or a negative errno),
makes it fail: when a function is added to the header, its page and
errors come with it.  A comment shared by consecutive declarations (no
blank line between them) documents each of them.  Python 3 standard
library only; run by make (man/local.mk), and by t/man-pages-runner.py.
"""
import argparse
import os
import re
import sys
import time

ERRNO = re.compile(r"\b(E(?:INVAL|NOMEM|AGAIN|TIMEDOUT|2BIG|NOENT|BUSY|"
                   r"PERM|NOSYS|OVERFLOW|RANGE|EXIST|IO|[A-Z0-9]{3,}))\b")
# What an errno means when the comment does not say more.
GENERIC = {
    "EINVAL": "An argument is invalid.",
    "ENOMEM": "Out of memory.",
    "EAGAIN": "The resource is temporarily unavailable.",
    "ETIMEDOUT": "The time ran out.",
    "E2BIG": "An argument is too large.",
}
FUNC_NAME = re.compile(r"\b(bp_[a-z0-9_]+)\s*\(")


class Decl:
    def __init__(self, name, text, comment, inline, line):
        self.name = name          # bp_pool_get
        self.text = text          # the declaration, normalized
        self.comment = comment    # list of lines (comment body), or None
        self.inline = inline      # static inline, defined in the header
        self.line = line


class Header:
    """The parts of the header the pages are made of."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8") as f:
            self.src = f.read()
        self.lines = self.src.split("\n")
        # extern "C" { ... } for C++ is no scope for the declarations
        for k, ln in enumerate(self.lines):
            if ln.strip() == 'extern "C" {' or (
                    ln.strip() == "}" and k and
                    self.lines[k - 1].strip() == "#ifdef __cplusplus"):
                self.lines[k] = ""
        self.overview = []        # the first comment's body
        self.funcs = []           # Decl, in header order
        self.types = {}           # name -> (definition text, comment lines)
        self.macros = {}          # name -> (definition text, comment lines)
        self.version = None
        self._parse()

    # -- comments ------------------------------------------------------
    @staticmethod
    def _body(block):
        """The text of a /* ... */ block, without the stars and the common
        indentation."""
        out = []
        for i, ln in enumerate(block):
            s = ln
            if i == 0:
                s = s.split("/*", 1)[1]
            if s.rstrip().endswith("*/"):
                s = s.rstrip()[:-2]
            s = re.sub(r"^\s*\* ?", "", s) if i > 0 else s.lstrip()
            out.append(s.rstrip())
        while out and not out[0].strip():
            out.pop(0)
        while out and not out[-1].strip():
            out.pop()
        return out

    def _parse(self):
        L = self.lines
        i = 0
        comment = None            # (lines, end line index) of the last block
        first = True
        depth = 0                 # inside braces (struct bodies, functions)
        while i < len(L):
            ln = L[i]
            s = ln.strip()
            if depth == 0 and s.startswith("/*"):
                j = i
                while "*/" not in L[j]:
                    j += 1
                body = self._body(L[i:j + 1])
                if first:
                    self.overview = body
                    first = False
                    comment = None
                else:
                    comment = (body, j)
                i = j + 1
                continue
            if depth == 0 and not s:
                comment = None            # a blank line detaches a comment
                i += 1
                continue
            m = re.match(r"#define\s+BP_VERSION_(MAJOR|MINOR|PATCH)\s+(\d+)", s)
            if m:
                self.version = (self.version or {})
                self.version[m.group(1)] = m.group(2)
            if depth == 0 and s.startswith("#define"):
                j = i
                while L[j].rstrip().endswith("\\"):
                    j += 1
                text = "\n".join(L[i:j + 1])
                name = re.match(r"#define\s+(\w+)", s).group(1)
                trailing = re.search(r"/\*(.*?)(\*/|$)", text, re.S)
                cmt = comment[0] if comment else []
                if trailing and not cmt:
                    # a comment on the same line (and the lines after it)
                    k = j
                    while "*/" not in L[k]:
                        k += 1
                    t = "\n".join(L[i:k + 1])
                    cmt = [re.sub(r"^\s*", "", x)
                           for x in t.split("/*", 1)[1].rsplit("*/", 1)[0].split("\n")]
                    text = t.split("/*", 1)[0].rstrip()
                    j = k
                if name.startswith("BP_") and not name.startswith("BUFPOOL"):
                    self.macros[name] = (text, cmt)
                i = j + 1
                continue
            if depth == 0 and s.startswith("#"):
                comment = None
                i += 1
                continue
            if depth == 0 and s.startswith("typedef"):
                j = i
                text_lines = [L[i]]
                d = L[i].count("{") - L[i].count("}")
                while (d > 0 or not text_lines[-1].rstrip().endswith(";")):
                    j += 1
                    text_lines.append(L[j])
                    d += L[j].count("{") - L[j].count("}")
                text = "\n".join(text_lines)
                m = re.search(r"(\w+)\s*;\s*$", text) or re.search(r"\(\*(\w+)\)", text)
                m2 = re.search(r"\(\*\s*(\w+)\)\s*\(", text)
                name = m2.group(1) if m2 and "{" not in text else (m.group(1) if m else None)
                if name:
                    self.types[name] = (text, comment[0] if comment else [])
                i = j + 1
                comment = None
                continue
            if depth == 0 and re.match(r"(static\s+inline\s+)?[A-Za-z_][\w\s\*]*\bbp_\w+\s*\(", s) \
                    and not s.startswith("typedef"):
                inline = s.startswith("static")
                j = i
                text_lines = [L[i]]
                while not re.search(r"[;{]\s*$", text_lines[-1]) and \
                        not (inline and L[j + 1].strip() == "{"):
                    j += 1
                    text_lines.append(L[j])
                text = " ".join(x.strip() for x in text_lines)
                text = re.sub(r"\s*\{\s*$", "", text)
                text = re.sub(r"\s+", " ", text).strip()
                if not text.endswith(";"):
                    text += ";"
                name = FUNC_NAME.search(text).group(1)
                self.funcs.append(Decl(name, text, comment[0] if comment else None,
                                       inline, i + 1))
                # a comment documents the consecutive declarations after it
                i = j + 1
                if inline:
                    # skip the body
                    d = 0
                    started = False
                    while i < len(L):
                        d += L[i].count("{") - L[i].count("}")
                        started = started or "{" in L[i]
                        i += 1
                        if started and d == 0:
                            break
                    comment = None
                continue
            depth += ln.count("{") - ln.count("}")
            comment = None if depth == 0 else comment
            i += 1


# -- roff ---------------------------------------------------------------

def esc(s):
    """Escapes text for roff (not at the start of a line: see line())."""
    s = s.replace("\\", "\\e")
    s = s.replace("-", "\\-")
    return s


def line(s):
    """A text line: a leading . or ' would be a request."""
    if s.startswith((".", "'")):
        return "\\&" + s
    return s


def inline_markup(s, names):
    """Escaped text with function names in bold and errno names in bold."""
    out = esc(s)
    out = re.sub(r"\b(bp_[a-z0-9_]+)\(\)", lambda m: "\\fB%s\\fP()" % m.group(1), out)
    out = re.sub(r"(?<![\w\\])(E[A-Z0-9]{3,})\b",
                 lambda m: "\\fB%s\\fP" % m.group(1) if ERRNO.fullmatch(m.group(1)) else m.group(1),
                 out)
    return out


def code_block(text):
    out = [".PP", ".nf", ".RS"]
    for ln in text.split("\n"):
        out.append(line(esc(ln)))
    out += [".RE", ".fi"]
    return out


def errno_item(lines, i):
    """An indented errno list item at lines[i] ("  EINVAL  pool NULL;" and
    its deeper-indented continuation lines): (codes, text, next i), or
    None."""
    m = re.match(r"^(\s+)(-?E[A-Z0-9]+(?:,\s*-?E[A-Z0-9]+)*)\s{2,}(\S.*)$", lines[i])
    if not m:
        return None
    ind = len(m.group(1))
    text = [m.group(3)]
    i += 1
    while i < len(lines) and lines[i].strip() and \
            len(lines[i]) - len(lines[i].lstrip()) > ind + 2 and \
            not re.match(r"^\s+-?E[A-Z0-9]+\s{2,}", lines[i]):
        text.append(lines[i].strip())
        i += 1
    return m.group(2), " ".join(text), i


def prose(lines, names, errno_lists=True):
    """Comment lines to roff: paragraphs, errno lists (.TP; left out when
    not errno_lists: the ERRORS section has them), bullets (.IP), indented
    code (.nf)."""
    out = []
    para = []
    i = 0

    def flush():
        if para:
            out.append(line(inline_markup(" ".join(para), names)))
            para.clear()

    while i < len(lines):
        ln = lines[i]
        if not ln.strip():
            flush()
            out.append(".PP")
            i += 1
            continue
        # "Title\n-----": a subsection
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            flush()
            out.append(".SS " + esc(ln.strip()))
            i += 2
            continue
        item = errno_item(lines, i)
        if item:
            flush()
            codes, text, i = item
            if errno_lists:
                out += [".TP", "\\fB%s\\fP" % esc(codes),
                        line(inline_markup(text, names))]
            elif out and out[-1].endswith(":") and not out[-1].startswith("."):
                out[-1] = out[-1][:-1] + " (see \\fBERRORS\\fP)."
            continue
        m = re.match(r"^(\s*)- (\S.*)$", ln)
        if m:
            flush()
            ind = len(m.group(1))
            text = [m.group(2)]
            i += 1
            while i < len(lines) and lines[i].strip() and \
                    len(lines[i]) - len(lines[i].lstrip()) > ind and \
                    not re.match(r"^\s*- ", lines[i]):
                text.append(lines[i].strip())
                i += 1
            out += [".IP \\(bu 2", line(inline_markup(" ".join(text), names))]
            continue
        if re.match(r"^\s{2,}\S", ln):
            # indented: code or a formula
            flush()
            block = []
            while i < len(lines) and re.match(r"^\s{2,}\S", lines[i]):
                block.append(lines[i])
                i += 1
            ind = min(len(b) - len(b.lstrip()) for b in block)
            out += code_block("\n".join(b[ind:] for b in block))
            continue
        para.append(ln.strip())
        i += 1
    flush()
    # no empty paragraphs
    res = []
    for x in out:
        if x == ".PP" and (not res or res[-1] in (".PP", ".fi") and x == ".PP" and res[-1] == ".PP"):
            continue
        res.append(x)
    while res and res[-1] == ".PP":
        res.pop()
    return res


# -- errors -------------------------------------------------------------

def sentences(text):
    """Splits at '. ' and '; ' outside parentheses."""
    out, cur, depth = [], "", 0
    for k, ch in enumerate(text):
        cur += ch
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in ".;" and depth == 0 and (k + 1 == len(text) or text[k + 1] == " "):
            out.append(cur.strip())
            cur = ""
    if cur.strip():
        out.append(cur.strip())
    return out


def list_items(lines):
    """Errno list items of a comment: [(codes, text)]."""
    items = []
    i = 0
    while i < len(lines):
        item = errno_item(lines, i)
        if not item:
            i += 1
            continue
        codes, text, i = item
        items.append(([c.strip().lstrip("-") for c in codes.split(",")],
                      text.rstrip(";.") + "."))
    return items


def prose_errors(lines, listed, negative_only=False):
    """Errnos named in the running text: [(code, text)].  negative_only: a
    function that returns -errno reports only those written -ECODE (another
    errno it names is someone else's: "gets fail with ECANCELED")."""
    text = " ".join(l.strip() for l in lines if not re.match(
        r"^\s+-?E[A-Z0-9]+(?:,\s*-?E[A-Z0-9]+)*\s{2,}", l))
    found = []
    seen = set(listed)
    for sent in sentences(text):
        for m in re.finditer(r"-?\b(E[A-Z0-9]{2,})\b", sent):
            code = m.group(1)
            if not ERRNO.fullmatch(code) or code in seen:
                continue
            if negative_only and not m.group(0).startswith("-"):
                continue
            # "never fails with EINTR": a promise, not an error
            if re.search(r"\bnever (?:fails|returns) with\s*$", sent[:m.start()]):
                continue
            seen.add(code)
            after = sent[m.end():]
            # up to the next errno named in the same sentence
            nxt = re.search(r",?\s+(?:or\s+)?-?E[A-Z0-9]{2,}\b", after)
            if nxt:
                after = after[:nxt.start()]
            p = re.match(r"\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", after)
            w = re.match(r"\s+((?:when|if|for|as)\b.*?)[.;,]?$", after)
            if p and p.group(1).startswith("then "):
                # a consequence, not a cause
                what = GENERIC.get(code, "").rstrip(".") + " (" + p.group(1) + ")."
            elif p:
                what = p.group(1) + "."
            elif w:
                what = w.group(1).rstrip(".;,") + "."
            else:
                what = GENERIC.get(code, sent if sent.endswith(".") else sent + ".")
            found.append((code, what))
    return found


def errors_of(decl, by_name):
    """[(codes, text)] for a function, following 'as f()'."""
    c = decl.comment or []
    items = list_items(c)
    listed = [x for codes, _ in items for x in codes]
    ret = decl.text.split(decl.name)[0]
    items += [([code], what) for code, what in
              prose_errors(c, listed, "*" not in ret and
                           re.search(r"\bint\b", ret) is not None)]
    # "As f(), ..." at the start, or an item saying "as f()": f's errors
    out = []
    for codes, what in items:
        m = re.fullmatch(r"[Aa]s (bp_[a-z0-9_]+)\(\)\.", what.strip())
        if m and m.group(1) in by_name and by_name[m.group(1)] is not decl:
            theirs = dict((tuple(k), t) for k, t in errors_of(by_name[m.group(1)], by_name))
            for k, t in theirs.items():
                if set(k) & set(codes):
                    what = t.rstrip(".") + " (as %s())." % m.group(1)
        out.append((codes, what))
    if not out and c:
        # "As f(), ..." first, or "errors as f()" anywhere: f's errors
        m = re.match(r"As (bp_[a-z0-9_]+)\(\)", c[0].strip()) or \
            re.search(r"\berrors (?:are )?as (bp_[a-z0-9_]+)\(\)", " ".join(c))
        if m and m.group(1) in by_name and by_name[m.group(1)] is not decl:
            out = [(k, t.rstrip(".") + " (as %s())." % m.group(1))
                   for k, t in errors_of(by_name[m.group(1)], by_name)]
    return out


def fails(decl):
    """Whether the function can report an error: it returns a pointer, or an
    int that is documented as a negative errno."""
    ret = decl.text.split(decl.name)[0]
    if re.search(r"\bnever NULL\b", " ".join(decl.comment or [])):
        return False
    return "*" in ret or (re.search(r"\bint\b", ret) and "-E" in " ".join(decl.comment or []))


# -- pages ---------------------------------------------------------------

def summary(decl):
    text = " ".join(l.strip() for l in decl.comment) if decl.comment else ""
    first = sentences(text)[0] if text else ""
    depth = 0
    for k, ch in enumerate(first):
        depth += (ch == "(") - (ch == ")")
        if ch == ":" and depth == 0 and first[k + 1:k + 2] == " ":
            first = first[:k]
            break
    first = first.rstrip(".;")
    if first.startswith("As ") or len(first) < 3:
        first = first  # keep "As bp_alloc(), with the contents zero-filled"
    return first[0].lower() + first[1:] if first and first[1:2].islower() else first


def used_types(decl, hdr):
    names = []
    for t in re.findall(r"\b(bp_\w+)\b", decl.text):
        if t in hdr.types and t not in ("bp_ref", "bp_pool", "bp_buffer") \
                and "{" in hdr.types[t][0] + "(" and t not in names:
            names.append(t)
    # function-pointer members and fields of those types
    for t in list(names):
        for u in re.findall(r"\b(bp_\w+_fn)\b", hdr.types[t][0]):
            if u in hdr.types and u not in names:
                names.append(u)
    return [n for n in names if "{" in hdr.types[n][0] or "(*" in hdr.types[n][0]]


def used_macros(decl, hdr):
    text = " ".join(decl.comment or [])
    for t in used_types(decl, hdr):
        text += " " + " ".join(hdr.types[t][1]) + hdr.types[t][0]
    prefixes = re.findall(r"\b([A-Z][A-Z0-9_]*_)\*", text)     # "BP_POOL_*"
    return [m for m in hdr.macros if (re.search(r"\b%s\b" % m, text) or
                                      any(m.startswith(p) for p in prefixes))
            and not m.startswith("BP_VERSION_")]


def th(name, version, date):
    return ['.\\" Generated by man/genman.py from lib/bufpool.h; do not edit.',
            '.TH %s 3 "%s" "bufpool %s" "bufpool Manual"' % (name.upper(), date, version)]


def page(decl, hdr, by_name, version, date):
    names = set(by_name)
    out = th(decl.name, version, date)
    out += [".SH NAME", "%s \\- %s" % (decl.name, esc(summary(decl)))]
    out += [".SH SYNOPSIS", ".nf", ".B #include <bufpool.h>", ".PP"]
    out.append(line(esc(decl.text)))
    if decl.inline:
        out.append("    /* inline, defined in the header */")
    for t in used_types(decl, hdr):
        out.append(".PP")
        for ln in hdr.types[t][0].split("\n"):
            out.append(line(esc(ln)))
    for mname in used_macros(decl, hdr):
        out.append(".PP" if mname == used_macros(decl, hdr)[0] else "")
        out.append(line(esc(re.sub(r"\s+", " ", hdr.macros[mname][0].replace("\\\n", " ")))))
    out = [x for x in out if x != ""]
    out += [".fi", ".PP", "Link with \\fI\\-lbufpool\\fP "
            "(\\fIpkg\\-config \\-\\-libs bufpool\\fP; CMake: "
            "\\fIbufpool::bufpool\\fP).", ".SH DESCRIPTION"]
    out += prose(decl.comment, names, errno_lists=False)
    out.append(".SH ERRORS")
    errs = errors_of(decl, by_name)
    if errs:
        out.append("The errors %s reports (%s):" % (
            "\\fB%s\\fP()" % decl.name,
            "through \\fIerrno\\fP, with a NULL return" if "*" in decl.text.split(decl.name)[0]
            else "as a negative return value"))
        for codes, what in errs:
            out += [".TP", ", ".join("\\fB%s\\fP" % c for c in codes),
                    line(inline_markup(what, names))]
    else:
        out.append("None: \\fB%s\\fP() reports no errors." % decl.name)
    see = ["bufpool"]
    for m in re.finditer(r"\b(bp_[a-z0-9_]+)\b", " ".join(decl.comment)):
        if m.group(1) in by_name and m.group(1) != decl.name and m.group(1) not in see:
            see.append(m.group(1))
    out += [".SH SEE ALSO", ",\n".join(".BR %s (3)" % s for s in see)]
    return "\n".join(out) + "\n"


def overview(hdr, version, date):
    out = th("bufpool", version, date)
    out += [".SH NAME", "bufpool \\- lock\\-free pool of reference\\-counted, "
            "fixed\\-size buffers",
            ".SH SYNOPSIS", ".nf", ".B #include <bufpool.h>", ".fi", ".PP",
            "Link with \\fI\\-lbufpool\\fP: \\fIpkg\\-config \\-\\-cflags \\-\\-libs "
            "bufpool\\fP, or in CMake \\fIfind_package(bufpool)\\fP and the "
            "imported target \\fIbufpool::bufpool\\fP "
            "(\\fIbufpool::bufpool_static\\fP for the static library).",
            ".SH DESCRIPTION"]
    ov = list(hdr.overview)
    # "bufpool.h - what": the first line is the NAME
    if ov and re.match(r"bufpool\.h\s+-", ov[0]):
        ov = ov[1:]
    out += prose(ov, {d.name for d in hdr.funcs})
    out += [".SH FUNCTIONS", "Each has its own page."]
    for d in hdr.funcs:
        out += [".TP", ".BR %s (3)" % d.name, line(esc(summary(d)) + ".")]
    out += [".SH TYPES AND CONSTANTS"]
    for name, (text, cmt) in hdr.types.items():
        out += [".SS %s" % name]
        if cmt:
            out += prose(cmt, set())
        out += code_block(text)
    if hdr.macros:
        out += [".SS Macros"]
        for n, (text, cmt) in hdr.macros.items():
            out += [".PP", ".nf", "\\fB%s\\fP" % line(esc(re.sub(
                r"\s+", " ", text.replace("\\\n", " ")).strip())), ".fi"]
            if cmt:
                out += [".RS 4"] + prose(cmt, set()) + [".RE"]
    out += [".SH SEE ALSO", ".BR bufpool\\-bench (1),",
            ".BR pkg\\-config (1),",
            "the README and docs/ of bufpool (installed in the package's "
            "documentation directory, e.g. \\fI/usr/local/share/doc/bufpool\\fP)."]
    return "\n".join(out) + "\n"


def check(hdr):
    """Problems that must stop the build."""
    problems = []
    by_name = {d.name: d for d in hdr.funcs}
    for d in hdr.funcs:
        where = "%s:%d: %s()" % (hdr.path, d.line, d.name)
        if not d.comment:
            problems.append(where + ": no comment above the declaration "
                            "(it is the function's documentation)")
            continue
        if fails(d) and not errors_of(d, by_name):
            problems.append(where + ": returns an error indication but its "
                            "comment names no errno (EINVAL, ENOMEM, ...)")
    if not hdr.funcs:
        problems.append(hdr.path + ": no function found")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header", required=True)
    ap.add_argument("--out")
    ap.add_argument("--version")
    ap.add_argument("--date", default=os.environ.get("BP_MAN_DATE"))
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    hdr = Header(args.header)
    if args.list:
        for d in hdr.funcs:
            print(d.name)
        return 0
    problems = check(hdr)
    if problems:
        for p in problems:
            print("genman.py: " + p, file=sys.stderr)
        return 1
    version = args.version or ".".join(
        hdr.version.get(k, "0") for k in ("MAJOR", "MINOR", "PATCH")) if hdr.version else "?"
    # The header's modification date, so that pages do not change on every build.
    date = args.date or time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(args.header)))
    os.makedirs(args.out, exist_ok=True)
    by_name = {d.name: d for d in hdr.funcs}
    keep = set()
    for d in hdr.funcs:
        fn = d.name + ".3"
        keep.add(fn)
        with open(os.path.join(args.out, fn), "w", encoding="utf-8") as f:
            f.write(page(d, hdr, by_name, version, date))
    keep.add("bufpool.3")
    with open(os.path.join(args.out, "bufpool.3"), "w", encoding="utf-8") as f:
        f.write(overview(hdr, version, date))
    # pages of functions that are gone
    for fn in os.listdir(args.out):
        if fn.endswith(".3") and fn not in keep:
            os.remove(os.path.join(args.out, fn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
