# Delivery engine integration tests (driven by tests/aura-feed against tests/fake_ingest.py)
delivery_engine_tests =
delivery_engine_tests += tests/delivery/batching.sh
delivery_engine_tests += tests/delivery/urgent.sh
delivery_engine_tests += tests/delivery/retries.sh
delivery_engine_tests += tests/delivery/poison.sh
delivery_engine_tests += tests/delivery/auth.sh
delivery_engine_tests += tests/delivery/tls.sh
delivery_engine_tests += tests/delivery/acks_signals.sh
delivery_engine_tests += tests/delivery/memory.sh
delivery_engine_tests += tests/delivery/redirect.sh
TESTS += $(delivery_engine_tests)
dist_check_SCRIPTS += $(delivery_engine_tests)
EXTRA_DIST += tests/delivery/common.bash
# issue 13: metrics and health, hostile clients on the metrics port, proxy/mTLS/pinning/gzip
delivery_engine_tests += tests/delivery/metrics.sh
delivery_engine_tests += tests/delivery/metrics_hostile.sh
delivery_engine_tests += tests/delivery/network.sh
EXTRA_DIST += tests/promparse.py tests/hostile.py
