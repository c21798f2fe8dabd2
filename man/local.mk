# Man pages: written in roff as .in files; the installed paths (configuration
# file, binaries) are substituted by make so they match --prefix/--sysconfdir.
man_MANS = man/auralog-journald.8 man/omauralog.8 man/auralog.conf.5
EXTRA_DIST += man/auralog-journald.8.in man/omauralog.8.in man/auralog.conf.5.in
CLEANFILES += $(man_MANS)
man_subst = $(SED) \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@docdir[@]|$(docdir)|g' \
	-e 's|@systemdsystemunitdir[@]|$(systemdsystemunitdir)|g' \
	-e 's|@VERSION[@]|$(VERSION)|g'
man/auralog-journald.8: $(top_srcdir)/man/auralog-journald.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(man_subst) $(top_srcdir)/man/auralog-journald.8.in >$@.tmp && mv $@.tmp $@
man/omauralog.8: $(top_srcdir)/man/omauralog.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(man_subst) $(top_srcdir)/man/omauralog.8.in >$@.tmp && mv $@.tmp $@
man/auralog.conf.5: $(top_srcdir)/man/auralog.conf.5.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(man_subst) $(top_srcdir)/man/auralog.conf.5.in >$@.tmp && mv $@.tmp $@

# Every page renders without a groff warning (make check-man; scripts/test.sh may call it).
check-man: $(man_MANS)
	@rc=0; for m in $(man_MANS); do \
	  out=$$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z $$m 2>&1); \
	  if test -n "$$out"; then echo "$$m:"; echo "$$out"; rc=1; else echo "ok $$m"; fi; \
	done; exit $$rc
.PHONY: check-man
