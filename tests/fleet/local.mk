# Fleet tests (SPEC §10): two real rsyslogd instances on loopback, client ->
# aggregator(s) -> omauralog -> the fake ingest endpoint.
fleet_tests = tests/fleet/relay.sh tests/fleet/chaos.sh tests/fleet/overtake.sh
TESTS += $(fleet_tests)
dist_check_SCRIPTS += $(fleet_tests)
EXTRA_DIST += tests/fleet/lib-fleet.sh
# the lossless client config the test uses (installed examples: conf/local.mk)
EXTRA_DIST += conf/fleet/client-relp-single.conf
