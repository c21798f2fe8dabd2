# Benchmarks (not run by make check)
noinst_PROGRAMS += bench/encode
bench_encode_SOURCES = bench/encode.c
bench_encode_LDADD = $(AURA_LIBS)
# bench/run (one command for the benchmarks of issue 7) and its helper; not run by make check
EXTRA_DIST += bench/run bench/benchlib.py bench/RESULTS.md
