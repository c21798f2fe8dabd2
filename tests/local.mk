# Integration tests: shell scripts printing TAP, sharing tests/lib.sh, and the
# fake Auralog ingest server (tests/fake_ingest.py).  Scripts ending in .sh run
# under SH_LOG_DRIVER (TAP) set in Makefile.am.
EXTRA_DIST += tests/lib.sh tests/fake_ingest.py

delivery_tests = \
	tests/delivery/selftest_ingest.sh
dist_check_SCRIPTS += $(delivery_tests)
TESTS += $(delivery_tests)

# scripts/test.sh's per-script lines and counts (scripts/tap-summary.sh)
harness_tests = tests/harness/summary.sh
dist_check_SCRIPTS += $(harness_tests)
TESTS += $(harness_tests)
EXTRA_DIST += scripts/tap-summary.sh
