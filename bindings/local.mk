# Bindings: the core as a convenience library, linked into every binding's
# module (Python's, and Lua's for each Lua C API), so that a module needs no
# libbufpool.so at run time and cannot clash with another copy of the library
# in the host process (only its entry point is exported).  Its objects are
# lib/libbufpool.la's own (same sources, same flags: compiled once).
noinst_LTLIBRARIES += bindings/libbpcore.la
bindings_libbpcore_la_SOURCES = $(lib_libbufpool_la_SOURCES)

EXTRA_DIST += bindings/bufpool.i bindings/python.i bindings/python_post.i \
	bindings/lua.i bindings/lua_post.i bindings/standalone/config.h

clean-local: bindings-clean-local
bindings-clean-local:
	rm -rf bindings/python/stage bindings/python/swig.tmp bindings/python/build \
	  bindings/python/mypy-cache
.PHONY: bindings-clean-local

include bindings/python.mk
include bindings/lua.mk
