# Benchmarks (not run by make check)
noinst_PROGRAMS += bench/encode bench/floor-omprog bench/floor-journal
bench_encode_SOURCES = bench/encode.c
# the floors bench/run measures each path against: what the interface itself costs (no core)
bench_floor_omprog_SOURCES = bench/floor-omprog.c
bench_floor_omprog_LDADD =
bench_floor_journal_SOURCES = bench/floor-journal.c
bench_floor_journal_LDADD = $(SYSTEMD_LIBS)
# bench/run (one command for the benchmarks of issues 7 and 14) and its helpers; not run by make check
# bench/rsyslog-stop: rsyslogd's stop time with the shipped snippet while the endpoint is down
# bench/backlog: latency of an error logged behind a 200k journal backlog (issue 12)
# bench/backlog-rsyslog: the same for a severity-3 message behind 100k messages in rsyslog's action queue
EXTRA_DIST += bench/run bench/benchlib.py bench/RESULTS.md bench/results.svg bench/rsyslog-stop bench/backlog bench/backlog-rsyslog
