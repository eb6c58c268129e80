# The C example (examples/c): built and run by make check, installed with
# the documentation, and built against the installed package by make
# installcheck (pkg/local.mk).
check_PROGRAMS += examples/c/pipeline
examples_c_pipeline_LDADD = lib/libbufpool.la
TESTS += t/example-c.sh
EXTRA_DIST += t/example-c.sh
examplescdir = $(docdir)/examples/c
dist_examplesc_DATA = examples/c/pipeline.c examples/c/CMakeLists.txt
