#!/usr/bin/env bash
# tests/ops/test-install.sh — `make install`'s payload into a DESTDIR: the binary, tradeauth(1)
# (man -l renders it without warnings, every setting is in it), the example INI (every
# setting, commented; uncommented it loads), the unit (systemd-analyze verify, and the
# security exposure score stays at most 2.0 — docs/operations.md reports it).
. "$TA_SOURCE_DIR/tests/ops/lib.sh"
: "${TA_BUILD_DIR:?}"
R=$T_DIR/root
DESTDIR=$R cmake --install "$TA_BUILD_DIR" --prefix /usr >"$T_DIR/install.log" || fail "cmake --install"
for f in usr/bin/tradeauth usr/share/man/man1/tradeauth.1 usr/lib/systemd/system/tradeauth.service \
    etc/tradeauth/tradeauth.ini etc/tradeauth/tradeauth.ini.example; do
    [ -s "$R/$f" ] || fail "install did not put $f"
done

# The man page: renders cleanly, names every command of --help and every setting.
MANWIDTH=100 man --warnings -l "$R/usr/share/man/man1/tradeauth.1" >"$T_DIR/man.txt" 2>"$T_DIR/man.err" ||
    fail "man -l"
[ ! -s "$T_DIR/man.err" ] || { cat "$T_DIR/man.err" >&2; fail "man -l warns"; }
settings=$("$TA_BINARY" --help | sed -n 's/^  --\([a-z0-9-]*\) .*/\1/p')
[ "$(echo "$settings" | wc -l)" -gt 40 ] || fail "--help lists too few settings"
for s in $settings; do
    grep -q -- "--$s value" "$T_DIR/man.txt" || fail "the man page lacks --$s"
    [ "$s" = config ] || grep -q "^;$s = " "$R/etc/tradeauth/tradeauth.ini" || fail "the INI lacks $s"
done
grep -q "^ *tradeauth serve \[settings\]" "$T_DIR/man.txt" || fail "the man page lacks the commands"
grep -v '^;' "$R/etc/tradeauth/tradeauth.ini" | grep -q '[^[:space:]]' && fail "the example INI sets something"
# Uncommented, the example is exactly the defaults and loads.
sed -n 's/^;\([a-z0-9-]* = \)/\1/p' "$R/etc/tradeauth/tradeauth.ini" >"$T_DIR/all.ini"
(cd "$T_DIR" && mkdir -p var && "$TA_BINARY" migrate --config "$T_DIR/all.ini" >/dev/null) ||
    fail "the uncommented example INI does not load"

# The unit, pointed at the installed binary and man page (systemd checks both exist).
U=$R/usr/lib/systemd/system/tradeauth.service
for k in DynamicUser=yes StateDirectory= ProtectSystem=strict NoNewPrivileges=yes \
    'CapabilityBoundingSet=$' Restart=on-failure KillSignal=SIGTERM; do
    grep -q "^$k" "$U" || fail "the unit lacks $k"
done
grep -q '^ExecStart=/usr/bin/tradeauth serve --config /etc/tradeauth/tradeauth.ini$' "$U" ||
    fail "ExecStart does not name the installed binary"
mkdir -p "$T_DIR/units"
sed "s|^ExecStart=/usr/bin/|ExecStart=$R/usr/bin/|" "$U" >"$T_DIR/units/tradeauth.service"
if ! command -v systemd-analyze >/dev/null; then
    echo "SKIPPED: systemd-analyze is not installed here (package systemd): the unit is not verified"
    exit 0
fi
printf '[Service]\nExecStart=/bin/true\n' >"$T_DIR/units/probe.service"
if ! systemd-analyze verify "$T_DIR/units/probe.service" >/dev/null 2>&1; then
    echo "SKIPPED: systemd-analyze cannot verify even a trivial unit in this environment"
    exit 0
fi
MANPATH=$R/usr/share/man systemd-analyze verify "$T_DIR/units/tradeauth.service" ||
    fail "systemd-analyze verify"
systemd-analyze security --offline=yes "$T_DIR/units/tradeauth.service" >"$T_DIR/security.txt" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for tradeauth.service: \([0-9.]*\).*/\1/p' "$T_DIR/security.txt")
[ -n "$score" ] || { cat "$T_DIR/security.txt" >&2; fail "no exposure score"; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0 (docs/operations.md says 1.2)"
echo "ok: installed, man page and INI complete, unit verified, exposure $score"
