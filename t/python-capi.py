"""bufpool Python binding: the C API capsule (bufpool_capi.h), used by a C
extension compiled here (t/python_capi_ext.c) with the build's compiler."""
import gc
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import unittest

import bufpool
import python_tap

HERE = os.path.dirname(os.path.abspath(__file__))


def build_ext(tmp):
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    cflags = shlex.split(os.environ.get("CFLAGS", "-O2"))
    pyinc = shlex.split(os.environ.get("BP_PYTHON_CFLAGS", "")) or \
        ["-I" + sysconfig.get_paths()["include"]]
    so = os.path.join(tmp, "python_capi_ext" +
                      sysconfig.get_config_var("EXT_SUFFIX"))
    cmd = cc + cflags + ["-fPIC", "-shared", "-Wall", "-Wextra", "-Werror"] + \
        pyinc + ["-I" + bufpool.get_include(), "-o", so,
                 os.path.join(HERE, "python_capi_ext.c")] + \
        shlex.split(os.environ.get("LDFLAGS", ""))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("%s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    spec = importlib.util.spec_from_file_location("python_capi_ext", so)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class TestCAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="bp-capi.")
        cls.ext = build_ext(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_capsule(self):
        import bufpool._bufpool as ext_mod
        self.assertEqual(type(ext_mod._C_API).__name__, "PyCapsule")
        version, size, lib = self.ext.api_version()
        self.assertEqual((version, lib), (1, bufpool.version()))
        self.assertGreater(size, 0)

    def test_hand_memory_to_python(self):
        ext = self.ext
        before = ext.freed()
        b = ext.wrap(100)
        self.assertIsInstance(b, bufpool.Buffer)
        self.assertEqual(bytes(b), b"\x5a" * 100)
        self.assertTrue(b.writable)
        b[0:5] = b"hello"                       # zero-copy into C's memory
        addr, size, refs = ext.info(b)
        self.assertEqual((addr, size, refs), (b.address, 100, 1))
        mv = memoryview(b)
        del b
        gc.collect()
        self.assertEqual(ext.freed(), before)   # the view keeps it
        self.assertEqual(bytes(mv[:5]), b"hello")
        mv.release()
        self.assertEqual(ext.freed(), before + 1)   # free callback, once

    def test_c_keeps_a_reference(self):
        ext = self.ext
        before = ext.freed()
        b = ext.wrap(16)
        ext.keep(b)                             # C holds a second reference
        self.assertEqual(b.refcount, 2)
        self.assertFalse(b.writable)
        b.release()
        self.assertEqual(ext.freed(), before)
        ext.drop()
        self.assertEqual(ext.freed(), before + 1)

    def test_from_pool(self):
        pool = bufpool.Pool(256, max_buffers=1)
        b = self.ext.from_pool(pool)
        self.assertEqual((len(b), b[0]), (256, 42))
        self.assertEqual(pool.stats()["in_use"], 1)
        self.assertRaises(BlockingIOError, pool.get)
        b.release()
        self.assertEqual(pool.stats()["in_use"], 0)
        pool.close()
        self.assertRaises(ValueError, self.ext.from_pool, pool)

    def test_errors(self):
        self.assertRaises(TypeError, self.ext.info, b"bytes")
        self.assertRaises(TypeError, self.ext.from_pool, 1)
        b = bufpool.alloc(4)
        b.release()
        with self.assertRaises(ValueError) as cm:
            self.ext.info(b)
        self.assertIn("released", str(cm.exception))


if __name__ == "__main__":
    python_tap.main()
