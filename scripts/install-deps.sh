#!/bin/sh
# Install the Debian 12 packages auralog-bridge needs.  Idempotent and
# non-interactive; asks for sudo when not run as root and something is missing.
#
#   install-deps.sh [build|test] [PKG...]
#     build   what building and running need (scripts/quickstart.sh)
#     test    build + everything the test suite, fuzzing and packaging need
#             (scripts/test.sh); the default
#     PKG...  further packages (the quickstart adds systemd-journal-remote
#             only when it has to build its sample journal)
#
# Installing never starts a service: a temporary /usr/sbin/policy-rc.d
# (exit 101, Debian's convention, honoured by invoke-rc.d and
# deb-systemd-invoke) stands during apt-get, and units that the installed
# packages enabled are disabled again, so e.g. rsyslog is installed but not
# running (the tests start their own rsyslogd).  A policy-rc.d that was there
# before is put back.
#
# LOG=FILE: apt-get's output goes there instead of the terminal.
set -eu

# --- the lists: add a package to the one that needs it --------------------
# building and running auralog-journald / omauralog
BUILD_PKGS="build-essential autoconf automake libtool pkg-config
    libcurl4-openssl-dev libjson-c-dev libsystemd-dev libinih-dev
    libmicrohttpd-dev zlib1g-dev"
# the test lab: real rsyslogd and journald, TLS, fake endpoint, valgrind,
# libFuzzer (clang), man page checks, the Debian package, promtool (prometheus:
# the exposition-format check of tests/delivery/metrics.sh; its service is not started)
TEST_PKGS="systemd systemd-journal-remote rsyslog rsyslog-relp
    python3 openssl curl procps psmisc util-linux bsdextrautils iproute2
    man-db groff-base
    dpkg-dev debhelper fakeroot
    clang libclang-rt-14-dev valgrind
    tinyproxy nginx-light python3-prometheus-client prometheus"
# ----------------------------------------------------------------------------

set_="test"
case "${1:-}" in
build | test) set_=$1; shift ;;
-h | --help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
case $set_ in
build) want="$BUILD_PKGS $*" ;;
test) want="$BUILD_PKGS $TEST_PKGS $*" ;;
esac

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=""
for p in $want; do
    installed "${p%%=*}" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
    exec sudo ${LOG:+LOG="$LOG"} sh "$0" "$set_" "$@"
fi

# one installer at a time: a second one would take our policy-rc.d for the
# administrator's and put it back for good
exec 9>/run/lock/auralog-install-deps.lock
flock 9

policy=/usr/sbin/policy-rc.d
saved=$policy.auralog-saved
before=$(mktemp)
restore() {
    if [ -e "$saved" ] || [ -L "$saved" ]; then
        mv -f "$saved" "$policy"
    else
        rm -f "$policy"
    fi
    rm -f "$before"
}
trap restore EXIT
trap 'exit 130' INT TERM
if [ -e "$policy" ] || [ -L "$policy" ]; then
    mv -f "$policy" "$saved"
fi
printf '#!/bin/sh\n# auralog-bridge scripts/install-deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
chmod 0755 "$policy"

# the units enabled before, to disable what the new packages enable
# (deb-systemd-helper enables a new package's units whatever policy-rc.d says)
enabled_units() { find /etc/systemd/system -type l -path '*.wants/*' -printf '%f\n' 2>/dev/null | sort -u; }
enabled_units >"$before"

export DEBIAN_FRONTEND=noninteractive
if [ -n "${LOG:-}" ]; then
    exec 3>&1 >>"$LOG" 2>&1
fi
echo "install-deps: installing$missing"
apt-get -o DPkg::Lock::Timeout=900 update -qq
# every package of systemd's source (libsystemd-dev, systemd-journal-remote,
# ...) at the installed systemd's version when the archive still has it: the
# installed systemd depends on libsystemd0 of its own version, so a newer
# libsystemd-dev could not be installed at all (a machine with systemd
# 252.38 from bookworm-security, 252.39 in bookworm), and installing
# systemd-journal-remote must not upgrade systemd
sysv=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || :)
pkgs=""
for p in $missing; do
    case $p in
    *=*) ;;
    *)
        if [ -n "$sysv" ] && apt-cache madison "$p" 2>/dev/null | grep -q "| $sysv |" &&
            apt-cache show "$p=$sysv" 2>/dev/null | grep -q '^Source: systemd$'; then
            p="$p=$sysv"
        fi
        ;;
    esac
    pkgs="$pkgs $p"
done
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $pkgs

for u in $(enabled_units | comm -13 "$before" -); do
    echo "install-deps: disabling $u (enabled by the installation)"
    if command -v deb-systemd-helper >/dev/null 2>&1; then
        deb-systemd-helper disable "$u" >/dev/null 2>&1 || :
    fi
    if [ -d /run/systemd/system ]; then
        systemctl disable --no-reload "$u" >/dev/null 2>&1 || :
    fi
    find /etc/systemd/system -path '*.wants/*' -name "$u" -type l -delete 2>/dev/null || :
done
