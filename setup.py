"""setuptools: the extension bufpool._bufpool (metadata: pyproject.toml).

The extension is the SWIG wrapper of bindings/bufpool.i (generated here with
the same options as bindings/python.mk) compiled together with the library's
sources (lib/*.c), with bindings/standalone/config.h in place of configure's
config.h.  Only PyInit__bufpool is exported.
"""
import glob
import os
import re
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join("bindings", "python", "bufpool")


def version():
    with open(os.path.join(HERE, "lib", "bufpool.h")) as f:
        h = f.read()
    parts = [re.search(r"#define BP_VERSION_%s (\d+)" % p, h).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class BuildExt(build_ext):
    """Runs SWIG on bindings/bufpool.i before compiling."""

    def run(self):
        out = os.path.join(self.build_temp, "swig")
        os.makedirs(out, exist_ok=True)
        wrap = os.path.join(out, "bufpool_wrap.c")
        swig = os.environ.get("SWIG") or shutil.which("swig4.0") or shutil.which("swig")
        if not swig:
            raise SystemExit("bufpool: SWIG >= 4.0 is needed to build the "
                             "extension (Debian: apt-get install swig)")
        subprocess.check_call([
            swig, "-python", "-builtin", "-interface", "_bufpool",
            "-I" + os.path.join(HERE, "bindings"), "-I" + os.path.join(HERE, PKG),
            "-I" + os.path.join(HERE, "lib"), "-outdir", out, "-o", wrap,
            os.path.join(HERE, "bindings", "bufpool.i")])
        for ext in self.extensions:
            ext.sources = [wrap] + [s for s in ext.sources if not s.endswith(".i")]
        super().run()


class BuildPy(build_py):
    """Puts a copy of lib/bufpool.h next to bufpool_capi.h in the package."""

    def run(self):
        super().run()
        dst = os.path.join(self.build_lib, "bufpool")
        os.makedirs(dst, exist_ok=True)
        shutil.copy2(os.path.join(HERE, "lib", "bufpool.h"), dst)


lib_sources = sorted(os.path.relpath(p, HERE)
                     for p in glob.glob(os.path.join(HERE, "lib", "*.c")))

setup(
    version=version(),
    ext_modules=[Extension(
        "bufpool._bufpool",
        sources=["bindings/bufpool.i"] + lib_sources,
        include_dirs=["bindings/standalone", "lib", PKG],
        define_macros=[("SWIG_TYPE_TABLE", "bufpool")],
        extra_compile_args=["-std=gnu11", "-pthread", "-fvisibility=hidden"],
        extra_link_args=["-pthread"],
    )],
    cmdclass={"build_ext": BuildExt, "build_py": BuildPy},
)
