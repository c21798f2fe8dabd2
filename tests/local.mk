# Integration tests: shell scripts printing TAP, sharing tests/lib.sh, and the
# fake Auralog ingest server.
EXTRA_DIST += tests/lib.sh tests/fake_ingest.py
