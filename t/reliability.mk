# Reliability checks (issue 7): bad input everywhere (make check),
# make check-valgrind, make check-soak.  Owner: reliability.

# --- Bad input, everywhere: every row of t/bad-input.tsv is a test, and
# docs/RELIABILITY.md's table must be the one made from it.
TESTS += t/bad-input.sh
EXTRA_DIST += t/bad-input.sh t/bad-input-runner.py t/bad-input.tsv docs/RELIABILITY.md

# Rewrites the table in docs/RELIABILITY.md from t/bad-input.tsv.
update-bad-input-docs:
	py='$(PYTHON_EXE)'; test -n "$$py" || py=python3; \
	top_srcdir='$(abs_top_srcdir)' $$py $(srcdir)/t/bad-input-runner.py --update-docs
.PHONY: update-bad-input-docs

# --- make check-valgrind (AX_VALGRIND_CHECK; memcheck only, see
# m4/bp_reliability.m4).  The C tests run under valgrind through libtool
# --mode=execute (the real binaries, not the wrapper scripts); the shell tests
# run as usual.  The Python and Lua tests then run again with the interpreter
# under valgrind (bp-check-valgrind-interpreters below).  The tests run with
# VALGRIND set in their environment.
@VALGRIND_CHECK_RULES@
VALGRIND_FLAGS = --num-callers=30
VALGRIND_SUPPRESSIONS_FILES = $(abs_top_srcdir)/t/valgrind.supp
VALGRIND_memcheck_FLAGS = --leak-check=full --show-reachable=no
EXTRA_DIST += t/valgrind.supp .ci/steps.d/30-valgrind .ci/steps.d/40-soak

# The interpreters: PYTHON_EXE and LUA (which the tests' LOG_COMPILERs run)
# get valgrind in front.  Interpreters keep memory to the end by design and
# CPython 3.11 itself trips memcheck's uninitialised-value checks (even
# `python3 -c "import json"` does), so: definite leaks only, no
# uninitialised-value errors, PYTHONMALLOC=malloc, and the suppressions of
# t/valgrind.supp (each one explained there).  Invalid reads, writes
# and frees, and definite leaks are errors.
BP_VG_INTERP_FLAGS = --tool=memcheck --error-exitcode=1 --num-callers=30 \
	--leak-check=full --errors-for-leak-kinds=definite \
	--undef-value-errors=no \
	$(VALGRIND_SUPPRESSIONS)
BP_VG_INTERP_TESTS = $(filter %.py %.lua,$(TESTS))

bp-check-valgrind-build:
	$(AM_V_at)$(MAKE) $(AM_MAKEFLAGS) all $(check_PROGRAMS) $(check_LTLIBRARIES)

# Runs first (a prerequisite of AX_VALGRIND_CHECK's run, which then runs
# these tests again without valgrind); their logs are kept together in
# test-suite-memcheck-interpreters-full.log.
BP_VG_INTERP_LOGS = $(patsubst %.py,%.log,$(patsubst %.lua,%.log,$(BP_VG_INTERP_TESTS)))
bp-check-valgrind-interpreters: bp-check-valgrind-build
	$(AM_V_at)if test "$(VALGRIND_ENABLED)" != yes; then \
	  echo "check-valgrind: reconfigure with --enable-valgrind"; \
	elif test -n '$(BP_VG_INTERP_TESTS)'; then \
	  rc=0; \
	  $(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS='$(BP_VG_INTERP_TESTS)' \
	    TESTS_ENVIRONMENT="$(TESTS_ENVIRONMENT) env VALGRIND=$(VALGRIND) PYTHONMALLOC=malloc" \
	    PYTHON_EXE='$(VALGRIND) $(BP_VG_INTERP_FLAGS) $(PYTHON_EXE)' \
	    LUA='$(VALGRIND) $(BP_VG_INTERP_FLAGS) $(LUA)' \
	    TEST_SUITE_LOG=test-suite-memcheck-interpreters.log || rc=$$?; \
	  for f in $(BP_VG_INTERP_LOGS); do \
	    echo "=== $$f"; cat "$$f"; \
	  done > test-suite-memcheck-interpreters-full.log; \
	  exit $$rc; \
	fi

# The build, the interpreters, then AX_VALGRIND_CHECK's run (every test; the
# C ones under valgrind).
check-valgrind-memcheck-local: bp-check-valgrind-interpreters
.PHONY: bp-check-valgrind-build bp-check-valgrind-interpreters
CLEANFILES += test-suite-memcheck-interpreters-full.log
CLEANFILES += test-suite-memcheck-interpreters.log

# --- make check-soak: bufpool-bench --verify, every pattern, oversubscribed,
# capped and uncapped, plain and --zero, SOAK_SECONDS (default 60) each.
EXTRA_DIST += t/soak.py
SOAK_SECONDS = 60
check-soak: cli/bufpool-bench
	py='$(PYTHON_EXE)'; test -n "$$py" || py=python3; \
	top_builddir='$(abs_top_builddir)' SOAK_SECONDS='$(SOAK_SECONDS)' \
	  $$py $(srcdir)/t/soak.py --json soak-results.json
.PHONY: check-soak
CLEANFILES += soak-results.json
