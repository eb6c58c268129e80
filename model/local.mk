# model checking (issues 7, 12): model/pool.pml, the get/release protocol
# (caches, rings, depot, shared mode) in Promela, checked exhaustively with
# spin (model/README.md).
EXTRA_DIST += model/pool.pml model/check.sh model/README.md \
	t/model.sh .ci/steps.d/20-model

# The quick set (a few seconds): skipped when spin is not installed.
TESTS += t/model.sh

# Every configuration, and the variants that must fail (model/check.sh).
# pan is built in a temporary directory, never in the source tree.
check-model:
if HAVE_SPIN
	SPIN='$(SPIN)' CC='$(CC)' $(SHELL) $(top_srcdir)/model/check.sh --full
else
	@echo "check-model: spin not found: install the Debian package spin and re-run configure" >&2; exit 1
endif
.PHONY: check-model
