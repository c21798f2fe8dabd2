# auralog-journald: the systemd journal front end (owned by journal-reader/)
bin_PROGRAMS += auralog-journald
auralog_journald_SOURCES = \
	journal-reader/main.c
auralog_journald_LDADD = $(AURA_LIBS)
