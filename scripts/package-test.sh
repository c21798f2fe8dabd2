#!/usr/bin/env bash
# Build the Debian package from a copy of this tree, install it on this
# machine, check it, and purge it again.  Prints TAP; exits non-zero when a
# check fails.  Needs root (dpkg -i), dpkg-dev, debhelper, fakeroot.
#   KEEP=1 scripts/package-test.sh     keep the build directory
#   DEB_BUILD_OPTIONS=nocheck ...      skip the unit tests in the package build
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/auralog-pkg.XXXXXX")
n=0 failed=0
pkg=auralog-bridge
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then dpkg --purge "$pkg" >>"$work/purge.log" 2>&1; fi
    if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

ok() { # ok "desc" CMD...
    local desc=$1 rc
    shift
    "$@" >"$work/.out" 2>&1
    rc=$?
    n=$((n + 1))
    if [ $rc = 0 ]; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        failed=$((failed + 1))
        echo "#   failed (exit $rc): $*"
        sed -e 's/^/#   /' "$work/.out" | tail -n 30
    fi
    return $rc
}
bail() { echo "Bail out! $1"; echo "1..$n"; exit 1; }

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root to install the package"; exit 0; }
for c in dpkg-buildpackage dh fakeroot; do
    command -v "$c" >/dev/null || bail "$c missing: apt-get install dpkg-dev debhelper fakeroot"
done
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    bail "$pkg is already installed on this machine; not touching it"
fi

# A copy of the tree (tracked and new files, no build outputs): dpkg-buildpackage
# writes ../*.deb next to the source directory and debian/ build files into it.
mkdir -p "$work/src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' |
    tar -cf - -T -) | tar -xf - -C "$work/src" || bail "copying the source tree failed"

ok "dpkg-buildpackage -us -uc -b builds the package" \
    sh -c "cd '$work/src' && dpkg-buildpackage -us -uc -b >'$work/build.log' 2>&1 || { tail -40 '$work/build.log'; exit 1; }" ||
    bail "package build failed"
deb=$(ls "$work"/${pkg}_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || bail "no .deb produced"
echo "# built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

ok "lists the expected files" sh -c "dpkg-deb -c '$deb' >'$work/contents' &&
    for f in ./usr/bin/auralog-journald ./usr/bin/omauralog ./etc/auralog/auralog.conf \
             ./lib/systemd/system/auralog-journald.service \
             ./usr/share/man/man8/auralog-journald.8.gz ./usr/share/man/man8/omauralog.8.gz \
             ./usr/share/man/man5/auralog.conf.5.gz \
             ./usr/share/doc/$pkg/examples/60-auralog.conf; do
        grep -q \" \$f\\\$\" '$work/contents' || { echo \"missing \$f\"; exit 1; }
    done
    ! grep -q ' ./etc/rsyslog.d/' '$work/contents' || { echo 'rsyslog snippet installed active'; exit 1; }"

installed=1
dpkg -i "$deb" >"$work/install.log" 2>&1 || { apt-get install -f -y -qq >>"$work/install.log" 2>&1; }
ok "dpkg -i installs it" sh -c "dpkg-query -W -f='\${Status}' $pkg | grep -q 'install ok installed' || { tail -30 '$work/install.log'; exit 1; }"
ok "postinst tells how to configure the API key" grep -q "/etc/auralog/api_key" "$work/install.log"
ok "auralog.conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' $pkg | grep -q '/etc/auralog/auralog.conf'"
ok "system user auralog exists, in group systemd-journal" sh -c 'id -u auralog && id -nG auralog | grep -qw systemd-journal'
ok "/var/lib/auralog belongs to auralog" sh -c '[ "$(stat -c %U /var/lib/auralog)" = auralog ]'
ok "the service is not enabled" sh -c '! ls /etc/systemd/system/*.wants/auralog-journald.service 2>/dev/null | grep -q .'
ok "no active rsyslog action" sh -c '! ls /etc/rsyslog.d/ 2>/dev/null | grep -q auralog'
ok "unit runs the installed binary with the installed config" \
    grep -q '^ExecStart=/usr/bin/auralog-journald --config /etc/auralog/auralog.conf' /lib/systemd/system/auralog-journald.service
ok "rsyslog example names the installed omauralog" grep -q 'binary="/usr/bin/omauralog' "/usr/share/doc/$pkg/examples/60-auralog.conf"
ok "man pages render" sh -c "for m in auralog-journald omauralog auralog.conf; do man -w \$m >/dev/null || exit 1; done"

/usr/bin/auralog-journald --check >"$work/check.out" 2>&1
rc=$?
ok "auralog-journald --check on the installed config exits 2" test "$rc" = 2
ok "... and explains the missing key" grep -q 'api_key_file: cannot read "/etc/auralog/api_key"' "$work/check.out"
sed -e 's/^/#   /' "$work/check.out"

ok "dpkg --purge removes it" sh -c "dpkg --purge $pkg >'$work/purge.log' 2>&1 &&
    ! dpkg-query -W -f='\${Status}' $pkg 2>/dev/null | grep -q installed &&
    test ! -e /usr/bin/auralog-journald && test ! -e /etc/auralog/auralog.conf && test ! -e /var/lib/auralog"
installed=0

echo "1..$n"
[ "$failed" = 0 ]
