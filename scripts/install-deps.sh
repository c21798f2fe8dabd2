#!/bin/sh
# Install everything auralog-bridge needs to build, test and benchmark on
# Debian 12.  Idempotent and non-interactive; run as root (or with sudo).
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
      libcurl4-openssl-dev libjson-c-dev libsystemd-dev libinih-dev
      libmicrohttpd-dev zlib1g-dev
      systemd systemd-journal-remote rsyslog python3 openssl curl procps psmisc
      util-linux bsdextrautils
      dpkg-dev debhelper fakeroot rsyslog-relp man-db groff-base iproute2
      clang libclang-rt-14-dev valgrind
      tinyproxy nginx-light python3-prometheus-client"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
