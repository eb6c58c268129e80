# examples/python: a frame pipeline with numpy views (pipeline.py), run by
# make check (examples/python/run.sh; skipped without numpy).
EXTRA_DIST += examples/python/pipeline.py examples/python/run.sh
if ENABLE_PYTHON
TESTS += examples/python/run.sh
endif
