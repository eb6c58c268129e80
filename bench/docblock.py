"""The generated blocks of the docs (make bench): a block is the text from a
begin marker to an end marker, both included, in a Markdown file whose
other text is written by hand and kept as it is.

    splice(doc, begin, end, block)         doc with its block replaced
    rewrite(path, begin, end, block, ...)  the same, in a file

Used by bench/report.py, bench/handoff.py and bindings/bench-python.py.
"""
import os
import sys


def splice(doc, begin, end, block, name="the document"):
    """doc with the text from begin to end replaced by block, which carries
    the markers itself.  Exits when doc lacks them (a block is never
    appended somewhere a reader would not look for it)."""
    b = doc.find(begin)
    e = doc.find(end, b) if b >= 0 else -1
    if e < 0:
        sys.exit("%s has no %s ... %s markers" % (name, begin, end))
    return doc[:b] + block + doc[e + len(end):]


def rewrite(path, begin, end, block, prog, elsewhere):
    """Replaces the block of the file at path.  When the file cannot be
    written (a read-only source tree, as in make distcheck), writes the
    result to the directory elsewhere instead and says so.  prog names the
    caller in its messages."""
    try:
        with open(path) as f:
            doc = f.read()
    except OSError as e:
        sys.exit("%s: cannot read %s: %s" % (prog, path, e.strerror))
    new = splice(doc, begin, end, block, "%s: %s" % (prog, path))
    try:
        with open(path, "w") as f:
            f.write(new)
        print("%s: wrote %s" % (prog, path))
    except OSError as e:
        alt = os.path.join(elsewhere, os.path.basename(path))
        with open(alt, "w") as f:
            f.write(new)
        print("%s: cannot write %s (%s); wrote %s instead"
              % (prog, path, e.strerror, alt))
