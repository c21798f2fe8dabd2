# omauralog: the rsyslog omprog front end (owned by plugin/)
bin_PROGRAMS += omauralog
omauralog_SOURCES = \
	plugin/main.c
omauralog_LDADD = $(AURA_LIBS)
