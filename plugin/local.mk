# omauralog: the rsyslog omprog front end (owned by plugin/)
bin_PROGRAMS += omauralog
omauralog_SOURCES = \
	plugin/main.c \
	plugin/input.c plugin/input.h \
	plugin/protocol.c plugin/protocol.h \
	plugin/sd.c plugin/sd.h

plugin_unit_tests = tests/unit/test_sd tests/unit/test_input tests/unit/test_protocol tests/unit/test_protocol_collide
check_PROGRAMS += $(plugin_unit_tests)
TESTS += $(plugin_unit_tests)
tests_unit_test_sd_SOURCES = tests/unit/test_sd.c plugin/sd.c
tests_unit_test_input_SOURCES = tests/unit/test_input.c plugin/input.c plugin/sd.c
tests_unit_test_protocol_SOURCES = tests/unit/test_protocol.c plugin/protocol.c
# the same, every line's hash 0: resent lines told apart by their bytes alone
tests_unit_test_protocol_collide_SOURCES = $(tests_unit_test_protocol_SOURCES)
tests_unit_test_protocol_collide_CPPFLAGS = $(AM_CPPFLAGS) -DOMP_PROTO_HASH_MASK=0

# Integration tests: omprog transcripts and a real rsyslogd end to end.
plugin_integration_tests = \
	tests/plugin/transcript.sh \
	tests/plugin/badinput.sh \
	tests/plugin/rsyslog_e2e.sh \
	tests/plugin/rsyslog_faults.sh \
	tests/plugin/rsyslog_burst.sh \
	tests/plugin/rsyslog_chaos.sh \
	tests/plugin/rsyslog_overtake.sh \
	tests/plugin/rsyslog_kill_trace.sh
TESTS += $(plugin_integration_tests)
dist_check_SCRIPTS += $(plugin_integration_tests) tests/plugin/lib-rsyslog.sh

EXTRA_DIST += conf/rsyslog.d/60-auralog.conf plugin/README.md
