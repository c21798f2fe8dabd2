# libFuzzer targets (owned by tests/fuzz/).  Built by tests/fuzz/build.sh with
# clang straight from the sources, not by automake; CI calls
#     tests/fuzz/run-all.sh SECONDS_PER_TARGET BUILD_DIR
# which prints TAP.  `make fuzz FUZZ_SECONDS=60` does the same from a build dir.
EXTRA_DIST += tests/fuzz

FUZZ_SECONDS = 60
.PHONY: fuzz
fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-all.sh $(FUZZ_SECONDS) $(abs_top_builddir)

