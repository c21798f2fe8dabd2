# Benchmarks (not run by make check)
noinst_PROGRAMS += bench/encode
bench_encode_SOURCES = bench/encode.c
bench_encode_LDADD = $(AURA_LIBS)
