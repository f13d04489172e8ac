#!/usr/bin/env bash
# tests/ops/test-console.sh — the /console/ page: off by default (404), refused at start
# beside a non-log transport, served with --console on, and walked end to end in headless
# Chromium (tests/ops/console_walk.py; screenshots in build/console-shots, kept).
. "$TA_SOURCE_DIR/tests/ops/lib.sh"
: "${TA_BUILD_DIR:?}"
for c in chromium chromedriver; do command -v $c >/dev/null || fail "$c missing (scripts/deps.sh test)"; done
if "$TA_BINARY" serve --console on --email-transport smtp --smtp-url smtp://127.0.0.1:1 \
    --listen 127.0.0.1:0 --db "sqlite:$T_DIR/x.db" 2>"$T_DIR/refused.err"; then
    fail "console with an smtp transport started"
fi
grep -q "console = on is for development" "$T_DIR/refused.err" || fail "no reason: $(cat "$T_DIR/refused.err")"
t_serve off
[ "$(curl -s -o /dev/null -w '%{http_code}' "$T_URL/console/")" = 404 ] || fail "console served while off"
t_serve on --console on --delivery-poll-ms 20
curl -sS -D "$T_DIR/h.txt" -o "$T_DIR/page.html" "$T_URL/console/"
grep -qi '^content-type: text/html' "$T_DIR/h.txt" || fail "not text/html"
grep -Eq '(src|href)="https?:' "$T_DIR/page.html" && fail "the page loads an external asset"
shots=$TA_BUILD_DIR/console-shots
rm -rf "$shots"
"$T_PY" "$TA_SOURCE_DIR/tests/ops/console_walk.py" "$T_URL" "$shots" || fail "console walk (screenshots in $shots)"
