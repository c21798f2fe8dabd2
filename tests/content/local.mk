# [content] (SPEC §11): levels from the message, stack traces folded, through
# the real front ends.  Owned by tests/content/.
content_tests = tests/content/journal.sh tests/content/rsyslog.sh
TESTS += $(content_tests)
dist_check_SCRIPTS += $(content_tests)
EXTRA_DIST += tests/content/feed.py tests/content/lib-content.sh
