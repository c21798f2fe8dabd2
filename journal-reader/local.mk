# auralog-journald: the systemd journal front end (owned by journal-reader/)
bin_PROGRAMS += auralog-journald
journal_reader_sources = \
	journal-reader/ahead.c journal-reader/ahead.h \
	journal-reader/entry_id.c journal-reader/entry_id.h \
	journal-reader/checkpoint.c journal-reader/checkpoint.h \
	journal-reader/journal_settings.c journal-reader/journal_settings.h \
	journal-reader/map.c journal-reader/map.h \
	journal-reader/reader.c journal-reader/reader.h \
	journal-reader/sigbus.c journal-reader/sigbus.h \
	journal-reader/state.c journal-reader/state.h
auralog_journald_SOURCES = \
	journal-reader/main.c \
	$(journal_reader_sources)

journal_unit_tests = tests/unit/test_journal_map tests/unit/test_state tests/unit/test_checkpoint \
	tests/unit/test_entry_id
check_PROGRAMS += $(journal_unit_tests)
TESTS += $(journal_unit_tests)
tests_unit_test_journal_map_SOURCES = tests/unit/test_journal_map.c journal-reader/map.c journal-reader/map.h
tests_unit_test_journal_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/journal-reader
tests_unit_test_state_SOURCES = tests/unit/test_state.c journal-reader/state.c journal-reader/state.h
tests_unit_test_state_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/journal-reader
tests_unit_test_checkpoint_SOURCES = tests/unit/test_checkpoint.c journal-reader/checkpoint.c journal-reader/checkpoint.h
tests_unit_test_checkpoint_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/journal-reader
tests_unit_test_entry_id_SOURCES = tests/unit/test_entry_id.c journal-reader/entry_id.c journal-reader/entry_id.h
tests_unit_test_entry_id_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/journal-reader

EXTRA_DIST += conf/auralog-journald.service

journal_fixtures = tests/fixtures/journal/mapping.export
journal_tests = \
	tests/journal/mapping.sh \
	tests/journal/follow.sh \
	tests/journal/filters.sh \
	tests/journal/crash.sh \
	tests/journal/rotate.sh \
	tests/journal/corrupt.sh \
	tests/journal/gap.sh \
	tests/journal/service.sh \
	tests/journal/once.sh \
	tests/journal/foreign.sh \
	tests/journal/ahead.sh \
	tests/journal/chaos.sh
TESTS += $(journal_tests)
dist_check_SCRIPTS += $(journal_tests)
EXTRA_DIST += tests/journal/lib-journal.sh tests/journal/jsend.py tests/journal/jhelp.py $(journal_fixtures)
