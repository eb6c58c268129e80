# BP_CHECK_PYTHON: checks for the Python binding (bindings/).  Owner: Python binding.
#
# --enable-python=auto|yes|no (default auto): build the SWIG extension when
# SWIG, a Python 3 interpreter and its headers are found; `yes' fails when
# one is missing.
#
# Install directory (pyexecdir) of the `bufpool' extension module:
#   --with-python-moduledir=DIR                 DIR
#   --prefix, --with-python-sys-prefix,
#   --with-python_prefix / _exec_prefix         Automake's choice (under the
#                                               prefix; used by distcheck)
#   nothing of the above (default prefix)       the interpreter's own
#                                               site-packages (sysconfig
#                                               platlib: pyenv, venvs and
#                                               Debian's dist-packages), so
#                                               `import bufpool' works after
#                                               `make install' without
#                                               PYTHONPATH.
# Substitutes PYTHON, PYTHON_EXE (sys.executable), pyexecdir, PYTHON_CFLAGS; conditional ENABLE_PYTHON.
AC_DEFUN([BP_CHECK_PYTHON], [
AC_REQUIRE([BP_SWIG])
AC_ARG_ENABLE([python],
  [AS_HELP_STRING([--enable-python@<:@=auto|yes|no@:>@],
    [build the Python binding (default: auto)])],
  [], [enable_python=auto])
AS_CASE([$enable_python], [auto|yes|no], [],
  [AC_MSG_ERROR([--enable-python: expected auto, yes or no, not '$enable_python'])])
AC_ARG_WITH([python-moduledir],
  [AS_HELP_STRING([--with-python-moduledir=DIR],
    [install the Python module in DIR (default: the interpreter's
     site-packages when --prefix is not given, else under the prefix)])],
  [], [with_python_moduledir=])
AC_ARG_VAR([PYTHON_CFLAGS], [C compiler flags for Python.h, overriding pkg-config])

bp_python=no
bp_python_why=
AS_IF([test "x$enable_python" != xno], [
  AS_IF([test -z "$SWIG"], [bp_python_why="SWIG >= 4.0 not found"], [
    dnl Prefer `python3' (Automake would try `python' first).
    AS_IF([test -z "$PYTHON"], [AC_PATH_PROGS([PYTHON], [python3 python], [])])
    AM_PATH_PYTHON([3.6], [], [:])
    AS_IF([test "x$PYTHON" = "x:"], [bp_python_why="no Python >= 3.6 interpreter"], [
      dnl Headers: pkg-config python-X.Y, looking first in the interpreter's
      dnl own pkgconfig directory (pyenv, custom builds), then sysconfig.
      bp_py_libpc=`$PYTHON -c "import sysconfig; print(sysconfig.get_config_var('LIBPC') or '')" 2>/dev/null`
      AS_IF([test -z "$PYTHON_CFLAGS"], [
        bp_save_PKG_CONFIG_PATH=$PKG_CONFIG_PATH
        AS_IF([test -n "$bp_py_libpc"],
          [PKG_CONFIG_PATH="$bp_py_libpc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"; export PKG_CONFIG_PATH])
        PKG_CHECK_MODULES([PYTHON], [python-$PYTHON_VERSION], [], [
          PYTHON_CFLAGS=`$PYTHON -c "import sysconfig; print('-I' + sysconfig.get_paths()[['include']])" 2>/dev/null`])
        PKG_CONFIG_PATH=$bp_save_PKG_CONFIG_PATH
      ])
      AC_MSG_CHECKING([for Python.h matching $PYTHON (version $PYTHON_VERSION)])
      bp_py_hex=`$PYTHON -c "import sys; print('0x%02x%02x' % sys.version_info[[:2]])" 2>/dev/null`
      bp_save_CPPFLAGS=$CPPFLAGS
      CPPFLAGS="$CPPFLAGS $PYTHON_CFLAGS"
      AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <Python.h>
#if ((PY_MAJOR_VERSION << 8) | PY_MINOR_VERSION) != $bp_py_hex
#error header version differs from the interpreter
#endif]], [[Py_ssize_t n = 0; (void)n;]])],
        [AC_MSG_RESULT([yes])
         bp_python=yes],
        [AC_MSG_RESULT([no])
         bp_python_why="Python.h for $PYTHON not found (install python3-dev)"])
      CPPFLAGS=$bp_save_CPPFLAGS
    ])
  ])
])
AS_IF([test "x$enable_python" = xyes && test "x$bp_python" != xyes],
  [AC_MSG_ERROR([--enable-python=yes: $bp_python_why])])

AS_IF([test "x$bp_python" = xyes], [
  AC_MSG_CHECKING([where to install the Python module])
  bp_py_where=
  AS_IF([test -n "$with_python_moduledir"], [
    pyexecdir=$with_python_moduledir
    bp_py_where="--with-python-moduledir"
  ], [test "x$prefix" != xNONE || test -n "$with_python_sys_prefix$with_python_prefix$with_python_exec_prefix"], [
    bp_py_where="under the prefix"
  ], [
    dnl Default prefix: the interpreter's own directory, if on its sys.path.
    bp_py_dir=`$PYTHON -c "
import site, sys, sysconfig
d = sysconfig.get_path('platlib')
if d not in sys.path:
    d = next((p for p in site.getsitepackages() if p in sys.path), '')
print(d)" 2>/dev/null`
    AS_IF([test -n "$bp_py_dir"],
      [pyexecdir=$bp_py_dir
       bp_py_where="the interpreter's site-packages"],
      [bp_py_where="under the prefix"])
  ])
  pythondir=$pyexecdir
  dnl The interpreter itself, not a wrapper such as a pyenv shim (which could
  dnl pick another version elsewhere, and cannot run under LD_PRELOAD=libtsan).
  PYTHON_EXE=`$PYTHON -c "import sys; print(sys.executable)" 2>/dev/null`
  AS_IF([test -z "$PYTHON_EXE"], [PYTHON_EXE=$PYTHON])
  AC_MSG_RESULT([$pyexecdir ($bp_py_where)])
  dnl Is it importable without PYTHONPATH?  (expand ${prefix} etc. to check)
  bp_py_expanded=`bp_p=$prefix; test "x$bp_p" = xNONE && bp_p=$ac_default_prefix
    bp_e=$exec_prefix; test "x$bp_e" = xNONE && bp_e=$bp_p
    prefix=$bp_p; exec_prefix=$bp_e; PYTHON_PREFIX=$bp_p; PYTHON_EXEC_PREFIX=$bp_e
    d=$pyexecdir; for i in 1 2 3 4 5; do eval d=\"$d\"; done; echo "$d"`
  bp_py_onpath=`$PYTHON -c "import sys; print('yes' if sys.argv[[1]] in sys.path else 'no')" "$bp_py_expanded" 2>/dev/null`
  AS_IF([test "x$bp_py_onpath" = xyes],
    [bp_py_note="installs to $bp_py_expanded"],
    [bp_py_note="installs to $bp_py_expanded, not on $PYTHON_EXE's sys.path: set PYTHONPATH"])
  BP_SUMMARY="$BP_SUMMARY
  python binding:    yes, $PYTHON_EXE ($bp_py_note)"
], [
  AS_IF([test "x$enable_python" = xno], [bp_python_why="disabled"])
  BP_SUMMARY="$BP_SUMMARY
  python binding:    no ($bp_python_why)"
])
AC_SUBST([PYTHON_CFLAGS])
AC_SUBST([PYTHON_EXE])
AM_CONDITIONAL([ENABLE_PYTHON], [test "x$bp_python" = xyes])
])
