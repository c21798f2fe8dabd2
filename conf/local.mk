# Shipped configuration
EXTRA_DIST += conf/auralog.conf
# Fixtures of the config and host unit tests (whole directories: automake
# copies them recursively, so a new fixture file needs no edit here).
EXTRA_DIST += tests/fixtures/config tests/fixtures/host
