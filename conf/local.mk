# Shipped configuration
EXTRA_DIST += conf/auralog.conf
# Fixtures of the config and host unit tests (whole directories: automake
# copies them recursively, so a new fixture file needs no edit here).
EXTRA_DIST += tests/fixtures/config tests/fixtures/host
# The sample journal of scripts/quickstart.sh
EXTRA_DIST += conf/sample.export

# --- installation -------------------------------------------------------------
# The files in conf/ name the Debian paths (/usr/bin, /etc/auralog; older copies
# of the rsyslog snippets named /usr/local/bin, rewritten too).  What is installed is a copy with the configured
# directories, made in the build tree under conf/subst/ (never over the sources,
# so an in-tree build such as the Debian one leaves conf/ untouched).
conf_subst = $(SED) \
	-e 's|/usr/local/bin/omauralog|$(bindir)/omauralog|g' \
	-e 's|/usr/bin/auralog-journald|$(bindir)/auralog-journald|g' \
	-e 's|/usr/bin/omauralog|$(bindir)/omauralog|g' \
	-e 's|/etc/auralog/|$(sysconfdir)/auralog/|g'

# One rule for every copy: conf/subst/NAME comes from conf/NAME, except
# 60-*.conf (conf/rsyslog.d/) and fleet-REST (conf/fleet/REST).
conf_subst_files = conf/subst/auralog.conf conf/subst/auralog-journald.service conf/subst/60-auralog.conf \
	conf/subst/fleet-client.conf conf/subst/fleet-client-relp.conf conf/subst/fleet-client-relp-single.conf \
	conf/subst/fleet-aggregator.conf
conf_subst_sources = $(top_srcdir)/conf/auralog.conf $(top_srcdir)/conf/auralog-journald.service \
	$(top_srcdir)/conf/rsyslog.d/60-auralog.conf $(top_srcdir)/conf/fleet/client.conf \
	$(top_srcdir)/conf/fleet/client-relp.conf $(top_srcdir)/conf/fleet/client-relp-single.conf \
	$(top_srcdir)/conf/fleet/aggregator.conf
$(conf_subst_files): $(conf_subst_sources) Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/subst && name='$@' && name=$${name#conf/subst/} && \
	case $$name in 60-*) src=rsyslog.d/$$name ;; fleet-*) src=fleet/$${name#fleet-} ;; *) src=$$name ;; esac && \
	$(conf_subst) "$(top_srcdir)/conf/$$src" >$@.tmp && mv $@.tmp $@

# The systemd unit, into the directory pkg-config reports (--with-systemdsystemunitdir).
systemdsystemunit_DATA = conf/subst/auralog-journald.service

# The rsyslog snippet and the fleet configurations are examples: installed under
# the documentation, never into /etc/rsyslog.d (that would start forwarding
# before an API key is configured).
examplesdir = $(docdir)/examples
examples_DATA = conf/subst/60-auralog.conf conf/subst/auralog.conf
fleetexamplesdir = $(docdir)/examples/fleet
fleetexamples_DATA = conf/subst/fleet-client.conf conf/subst/fleet-client-relp.conf \
	conf/subst/fleet-client-relp-single.conf conf/subst/fleet-aggregator.conf
dist_fleetexamples_DATA = conf/fleet/README
EXTRA_DIST += conf/fleet/client.conf conf/fleet/client-relp.conf conf/fleet/aggregator.conf

CLEANFILES += $(systemdsystemunit_DATA) $(examples_DATA) $(fleetexamples_DATA) conf/subst/auralog.conf

# $(sysconfdir)/auralog/auralog.conf: installed only when absent (an operator's
# edited file is never overwritten), removed on uninstall only when unchanged.
auralogconfdir = $(sysconfdir)/auralog
all-local: conf/subst/auralog.conf
install-data-hook: install-auralog-conf
uninstall-hook: uninstall-auralog-conf
install-auralog-conf: conf/subst/auralog.conf
	$(MKDIR_P) '$(DESTDIR)$(auralogconfdir)'
	@if test -f '$(DESTDIR)$(auralogconfdir)/auralog.conf'; then \
	  echo "$(DESTDIR)$(auralogconfdir)/auralog.conf exists: not overwritten (the new default is in $(examplesdir))"; \
	else \
	  echo " $(INSTALL_DATA) conf/subst/auralog.conf '$(DESTDIR)$(auralogconfdir)/auralog.conf'"; \
	  $(INSTALL_DATA) conf/subst/auralog.conf '$(DESTDIR)$(auralogconfdir)/auralog.conf'; \
	fi
uninstall-auralog-conf: conf/subst/auralog.conf
	@f='$(DESTDIR)$(auralogconfdir)/auralog.conf'; \
	if test -f "$$f" && cmp -s conf/subst/auralog.conf "$$f"; then \
	  echo " rm -f '$$f'"; rm -f "$$f"; \
	  rmdir '$(DESTDIR)$(auralogconfdir)' 2>/dev/null || :; \
	elif test -f "$$f"; then \
	  echo "$$f was changed: kept"; \
	fi
.PHONY: install-auralog-conf uninstall-auralog-conf

# The example Prometheus alert rules (README "Operation")
dist_examples_DATA = conf/prometheus/auralog-alerts.yml
