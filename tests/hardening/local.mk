# Hardening integration tests (owned by tests/hardening/): valgrind twins of
# the delivery, journal and omprog paths, secret handling, signal storms and
# resource exhaustion.  TAP, sourcing tests/lib.sh and lib-hardening.sh.
hardening_tests = tests/hardening/valgrind.sh tests/hardening/secrets.sh tests/hardening/signals.sh \
	tests/hardening/resources.sh
TESTS += $(hardening_tests)
dist_check_SCRIPTS += $(hardening_tests)
EXTRA_DIST += tests/hardening/lib-hardening.sh
