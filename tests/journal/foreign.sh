#!/bin/bash
# Entries of another machine's journal (SPEC §8): machine_id and boot_id come
# from the entry; when its _MACHINE_ID is not this machine's, the bridge's own
# host keys (os, kernel, its machine_id) are left out and relay = the bridge's
# hostname is added, as for rsyslog relays.  An entry of this machine keeps
# them.  The journal is built by systemd-journal-remote from an export file.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-foreign

own=$(cat /etc/machine-id 2>/dev/null) || skip_all "no /etc/machine-id"
[ -n "$own" ] || skip_all "empty /etc/machine-id"
foreign=6a1b2c3d4e5f40718293a4b5c6d7e8f9
[ "$own" != "$foreign" ] || skip_all "this machine has the fixture's machine id"
entry() { # entry MACHINE-ID BOOT-ID HOST MESSAGE REALTIME
    printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=1000000\n_BOOT_ID=%s\n_HOSTNAME=%s\n_MACHINE_ID=%s\nPRIORITY=6\nSYSLOG_IDENTIFIER=app\n_PID=7\nMESSAGE=%s\n\n' \
        "$5" "$2" "$3" "$1" "$4"
}
{
    entry "$foreign" 0f5c8b7a3e4d4c2b9a1f6e5d4c3b2a19 web-01 "from web-01" 1795600000000000
    entry "$own" 11111111222233334444555566667777 "$(hostname)" "from here" 1795600001000000
} >"$T/two.export"
make_journal "$T/two.journal" "$T/two.export" || bail_out "systemd-journal-remote failed"
start_ingest || bail_out "fake ingest did not start"
write_config "$T/a.conf"
ok "--once over the journal exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/a.conf" --file "$T/two.journal" \
    --once --start head
is "both entries arrived" "$(ingest_count)" 2

md() { # md MESSAGE KEY: metadata.KEY of the entry with MESSAGE, or "-" when absent
    ingest_entries | M=$1 K=$2 jlines '(o["metadata"].get(__import__("os").environ["K"], "-")) if o["message"] == __import__("os").environ["M"] else None'
}
is "foreign: machine_id from the entry" "$(md "from web-01" machine_id)" "$foreign"
is "foreign: boot_id from the entry" "$(md "from web-01" boot_id)" 0f5c8b7a3e4d4c2b9a1f6e5d4c3b2a19
is "foreign: host from the entry" "$(md "from web-01" host)" web-01
is "foreign: no os of the bridge" "$(md "from web-01" os)" -
is "foreign: no kernel of the bridge" "$(md "from web-01" kernel)" -
is "foreign: relay is the bridge's hostname" "$(md "from web-01" relay)" "$(hostname)"
is "local: machine_id is this machine's" "$(md "from here" machine_id)" "$own"
is "local: boot_id from the entry" "$(md "from here" boot_id)" 11111111222233334444555566667777
is "local: kernel of the bridge" "$(md "from here" kernel)" "$(uname -r)"
is "local: os of the bridge" "$(md "from here" os)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
is "local: no relay" "$(md "from here" relay)" -
done_testing
