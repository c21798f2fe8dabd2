#!/bin/bash
# Chaos on the fleet aggregator (issue 16): the scenario of
# tests/plugin/rsyslog_chaos.sh (20,000 messages at ~2,000/s, 20% endpoint
# faults with a fixed seed, omauralog kill -9 at 3 s and 9 s, a systemd-like
# restart of rsyslogd at 6 s) against conf/fleet/aggregator.conf, whose
# ruleset queue sits in front of omauralog's action queue (two workers, so
# two omauralog processes).  Received over TCP on loopback: the relay tier's
# network namespace is not needed for what is checked here (0 lost).
CHAOS_MODE=fleet
. "$top_srcdir/tests/plugin/rsyslog_chaos.sh"
