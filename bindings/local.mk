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

# make bench (bench/local.mk) also measures the bindings: the Python
# benchmark of issue 17 (bindings/bench-python.py: per operation and end to
# end against bytearray, numpy.empty and a SimpleQueue pool, PASS/FAIL) and
# bindings/bench-lua.lua with every Lua built; bench-docs writes their table
# into docs/PERFORMANCE.md ("Python and Lua bindings").  About 2 minutes.
#   make bench-bindings-run bench-bindings-docs     only these
EXTRA_DIST += bindings/bench-python.py bindings/bench-lua.lua docs/DESIGN.md
BENCH_BINDINGS_ROUNDS = 7
bench-run: bench-bindings-run
bench-docs: bench-bindings-docs
bench-bindings-run: all
	@$(MKDIR_P) $(BENCH_RESULTS)
	@: > $(BENCH_RESULTS)/bindings-lua.tsv
	@for run in $(BP_LUA_TESTS_ENV); do \
	  api=$${run%%=*}; lua=$${run#*=}; echo "bench: $$lua bindings/bench-lua.lua"; \
	  LUA_CPATH="$(abs_top_builddir)/bindings/lua/$$api/.libs/?.so" LUA_PATH= \
	    $$lua $(srcdir)/bindings/bench-lua.lua 5 1000000 | \
	    sed "s|^|`basename $$lua`	|" >> $(BENCH_RESULTS)/bindings-lua.tsv || exit 1; \
	done
	@if test -z '$(PYTHON_EXE)'; then \
	  echo "bench: the Python binding is not built: no Python benchmark"; \
	else \
	  echo "bench: $(PYTHON_EXE) bindings/bench-python.py"; \
	  PYTHONPATH='$(abs_top_builddir)/bindings/python/stage' \
	  BP_BENCH_COMMAND='make bench (bindings/bench-python.py --rounds $(BENCH_BINDINGS_ROUNDS))' \
	  $(PYTHON_EXE) $(srcdir)/bindings/bench-python.py \
	    --rounds $(BENCH_BINDINGS_ROUNDS) --lua $(BENCH_RESULTS)/bindings-lua.tsv \
	    --json $(BENCH_RESULTS)/bindings-python.json; \
	fi
bench-bindings-docs:
	@if test -f $(BENCH_RESULTS)/bindings-python.json; then \
	  $(PYTHON_EXE) $(srcdir)/bindings/bench-python.py \
	    --json $(BENCH_RESULTS)/bindings-python.json \
	    --docs $(BENCH_DOCS)/PERFORMANCE.md; \
	fi
.PHONY: bench-bindings-run bench-bindings-docs
CLEANFILES += $(BENCH_RESULTS)/bindings-lua.tsv

include bindings/python.mk
include bindings/lua.mk
