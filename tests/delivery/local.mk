# Delivery engine integration tests (driven by tests/aura-feed against tests/fake_ingest.py)
delivery_engine_tests =
