# tests/ops/lib.sh — shared by the shell tests of tests/ops: a scratch folder under build/,
# a server on a free 127.0.0.1 port, and a cleanup that stops only what the test started.
# Sourced; expects TA_BINARY and TA_SOURCE_DIR from ctest (tests/ops/CMakeLists.txt).
set -euo pipefail
: "${TA_BINARY:?run through ctest}" "${TA_SOURCE_DIR:?run through ctest}"
# Debian's python3, whose packages (selenium, jsonschema) scripts/deps.sh installs, even
# when another python3 comes first in PATH.
T_PY=/usr/bin/python3
[ -x "$T_PY" ] || T_PY=$(command -v python3)
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ta-ops-XXXXXX")
T_PIDS=()
t_cleanup() {
    local p
    for p in "${T_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${T_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ "${T_KEEP:-0}" = 1 ] || rm -rf "$T_DIR"
}
trap t_cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$T_DIR"/*.err; do [ -s "$f" ] && { echo "--- $f:" >&2; tail -20 "$f" >&2; }; done
    T_KEEP=1
    exit 1
}

# t_serve NAME [settings...]: starts a server (SQLite in T_DIR unless --db is given),
# sets T_URL; its output is in T_DIR/NAME.out / .err.
t_serve() {
    local name=$1
    shift
    local db=(--db "sqlite:$T_DIR/$name.db")
    local a
    for a in "$@"; do [ "$a" = --db ] && db=(); done
    # Made here, not by the background shell's redirection: under load the sed below can
    # otherwise run before the child has opened them (set -e would end the test).
    : >"$T_DIR/$name.out"
    : >"$T_DIR/$name.err"
    "$TA_BINARY" serve --listen 127.0.0.1:0 "${db[@]}" --delivery-log "$T_DIR/$name.outbox.jsonl" \
        --argon2-ops 1 --argon2-mem-kib 1024 --log-level warn "$@" \
        >"$T_DIR/$name.out" 2>"$T_DIR/$name.err" &
    T_PIDS+=($!)
    local i
    for i in $(seq 1 200); do
        # The background shell may not have opened NAME.out yet.
        T_URL=$(sed -n 's|^tradeauth: listening on \(http://[^ ]*\) .*|\1|p' "$T_DIR/$name.out" \
            2>/dev/null || true)
        [ -n "$T_URL" ] && return 0
        kill -0 "${T_PIDS[-1]}" 2>/dev/null || { cat "$T_DIR/$name.err" >&2; fail "server $name exited"; }
        sleep 0.05
    done
    fail "server $name did not start"
}

# t_post URL_PATH JSON [extra curl args]: the answer body on stdout.
t_post() {
    local path=$1 body=$2
    shift 2
    curl -sS --max-time 10 -H companyId:1 -H lang:en-US -H Content-Type:application/json \
        "$@" "$T_URL$path" -d "$body"
}
