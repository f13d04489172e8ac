#!/usr/bin/env bash
# bench/timing_login.sh — does a failed login take the same time whatever the reason?
# Contract C4: unknown account, wrong password (and, here, locked and disabled accounts)
# must not be told apart by timing: every path pays exactly one argon2id hash.
#
# Starts build/tradeauth (default argon2id t=2, m=19 MiB; one HTTP thread; the login limit
# per address lifted with --login-per-address-min 1000000) on a fresh SQLite database in a
# temporary folder, registers three customers, locks one (10 wrong passwords) and disables
# one (`tradeauth customer disable`), then times N sequential logins per case, the cases
# interleaved round-robin so drift in machine load hits all of them alike. Prints a
# markdown table (median, min, p90, max per case, and the max/min ratio of the medians) and
# appends it to bench/TIMING.md. Reported, never asserted: not part of CI.
#
# Knobs (environment): TIMING_N (40 logins per case), TIMING_BINARY (build/tradeauth),
# TIMING_OUT (bench/TIMING.md), TIMING_KEEP=1 keeps the temporary folder.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${TIMING_BINARY:-$ROOT/build/tradeauth}
OUT=${TIMING_OUT:-$ROOT/bench/TIMING.md}
N=${TIMING_N:-40}

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "timing_login: needs $tool" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "timing_login: no $BIN (cmake --build build --target tradeauth)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tradeauth-timing.XXXXXX")
DB="sqlite:$TMP/db"
LOG="$TMP/outbox.jsonl"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${TIMING_KEEP:-0}" = 1 ]; then
        echo "timing_login: kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[timing %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- the server ---------------------------------------------------------------------------

"$BIN" serve --listen 127.0.0.1:0 --db "$DB" --delivery-log "$LOG" --delivery-poll-ms 20 \
    --threads 1 --login-per-address-min 1000000 --log-level warn \
    >"$TMP/stdout" 2>"$TMP/stderr" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 100); do
    PORT=$(sed -n 's|^tradeauth: listening on http://[^:]*:\([0-9]*\) .*|\1|p' "$TMP/stdout")
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/stderr" >&2; die "server exited"; }
    sleep 0.1
done
[ -n "$PORT" ] || die "server did not start within 10 s"
BASE="http://127.0.0.1:$PORT/api/cats-gateway"
CWS="customer.app.CustomerWebApiService"
log "tradeauth on port $PORT, argon2id defaults, 1 HTTP thread"

# post PATH JSON -> the response body
post() {
    curl -sS --max-time 30 -H 'companyId: 1' -H 'Content-Type: application/json' \
        -d "$2" "$BASE$1"
}

PWD_RIGHT=e10adc3949ba59abbe56e057f20f883e # md5("123456")
PWD_WRONG=5f4dcc3b5aa765d61d8327deb882cf99 # md5("password")

# register EMAIL -> prints customerNo
register() {
    local email=$1 tok code="" body
    tok=$(post /global/message.app.VerificationApiService.verifyCodeSend \
        "{\"bizType\":\"EMAIL_REGISTER_VERIFICATION_CODE\",\"toUser\":\"$email\"}" |
        jq -er '.data.token') || die "verifyCodeSend for $email"
    for _ in $(seq 1 100); do
        if [ -s "$LOG" ]; then
            code=$(jq -r --arg e "$email" 'select(.to == $e) | .code // empty' "$LOG" | tail -n 1)
        fi
        [ -n "$code" ] && break
        sleep 0.05
    done
    [ -n "$code" ] || die "no code delivered to $email"
    body="{\"type\":1,\"loginName\":\"$email\",\"country\":\"CN\",\"verifyCode\":\"$code\","
    body+="\"sendToken\":\"$tok\",\"registerSource\":1,\"pwd\":\"$PWD_RIGHT\"}"
    post "/register/$CWS.register" "$body" | jq -er 'select(.code == "0") | .data.customerNo' ||
        die "register $email"
}

# login EMAIL PWD -> prints "<code> <seconds>"
login() {
    curl -sS --max-time 30 -o "$TMP/login.json" -w '%{time_total}' -H 'companyId: 1' \
        -H 'Content-Type: application/json' \
        -d "{\"type\":1,\"loginName\":\"$1\",\"device\":2,\"loginPwd\":\"$2\"}" \
        "$BASE/login/$CWS.login" >"$TMP/login.time"
    printf '%s %s\n' "$(jq -r .code "$TMP/login.json")" "$(cat "$TMP/login.time")"
}

cli() {
    "$BIN" customer "$@" --db "$DB" >/dev/null || die "tradeauth customer $*"
}

# ---- the accounts ---------------------------------------------------------------------------

WRONG=wrong@timing.invalid
LOCKED=locked@timing.invalid
DISABLED=disabled@timing.invalid
UNKNOWN=nobody@timing.invalid

register "$WRONG" >/dev/null
register "$LOCKED" >/dev/null
DISABLED_NO=$(register "$DISABLED")
for _ in $(seq 1 10); do login "$LOCKED" "$PWD_WRONG" >/dev/null; done
cli disable --company 1 "$DISABLED_NO"
WRONG_NO=$(post "/login/$CWS.login" \
    "{\"type\":1,\"loginName\":\"$WRONG\",\"device\":2,\"loginPwd\":\"$PWD_RIGHT\"}" |
    jq -er .data.customerNo) || die "login $WRONG"

[ "$(login "$LOCKED" "$PWD_RIGHT" | cut -d' ' -f1)" = CUSTOMER_API_0000103 ] || die "not locked"
[ "$(login "$DISABLED" "$PWD_RIGHT" | cut -d' ' -f1)" = CUSTOMER_API_0000104 ] || die "not disabled"

# ---- the measurement ------------------------------------------------------------------------

# case name | email | password | expected code. The locked and disabled accounts are tried
# with their RIGHT password: the strongest case for a timing difference.
CASES=(
    "unknown account|$UNKNOWN|$PWD_RIGHT|CUSTOMER_API_0000102"
    "wrong password|$WRONG|$PWD_WRONG|CUSTOMER_API_0000102"
    "locked account|$LOCKED|$PWD_RIGHT|CUSTOMER_API_0000103"
    "disabled account|$DISABLED|$PWD_RIGHT|CUSTOMER_API_0000104"
)
for i in "${!CASES[@]}"; do : >"$TMP/times.$i"; done

log "warming up"
for c in "${CASES[@]}"; do
    IFS='|' read -r _ email pwd _ <<<"$c"
    login "$email" "$pwd" >/dev/null
done
cli unlock --company 1 "$WRONG_NO"

log "timing $N logins per case, round-robin"
for round in $(seq 1 "$N"); do
    # Ten failures lock an account; unlock between rounds (untimed) so "wrong password"
    # stays a wrong password and never becomes a lock.
    if [ $(((round - 1) % 8)) -eq 0 ]; then cli unlock --company 1 "$WRONG_NO"; fi
    for i in "${!CASES[@]}"; do
        IFS='|' read -r name email pwd want <<<"${CASES[$i]}"
        read -r got secs < <(login "$email" "$pwd")
        [ "$got" = "$want" ] || die "$name: expected $want, got $got (round $round)"
        echo "$secs" >>"$TMP/times.$i"
    done
done

# ---- the report -----------------------------------------------------------------------------

# stats FILE -> "median min p90 max" in milliseconds
stats() {
    sort -g "$1" | awk '{ v[NR] = $1 * 1000 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            p = v[int(NR * 0.9 + 0.999)]
            printf "%.1f %.1f %.1f %.1f\n", m, v[1], p, v[NR]
        }'
}

CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || echo unknown)
TABLE=$(mktemp "$TMP/table.XXXXXX")
{
    printf '\n## %s — login timing (%s logins per case)\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$N"
    printf 'build/tradeauth serve, argon2id defaults (t=2, m=19456 KiB), 1 HTTP thread, SQLite;\n'
    printf 'curl on 127.0.0.1, sequential, cases interleaved; %s cores, %s, load %s.\n\n' \
        "$(nproc)" "$CPU" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '| case | answer | median ms | min ms | p90 ms | max ms |\n'
    printf '|---|---|---:|---:|---:|---:|\n'
    for i in "${!CASES[@]}"; do
        IFS='|' read -r name _ _ want <<<"${CASES[$i]}"
        read -r med mn p90 mx < <(stats "$TMP/times.$i")
        # shellcheck disable=SC2016 # markdown backticks, not a command substitution
        printf '| %s | `%s` | %s | %s | %s | %s |\n' "$name" "$want" "$med" "$mn" "$p90" "$mx"
        echo "$med" >>"$TMP/medians"
    done
    sort -g "$TMP/medians" | awk '{ v[NR] = $1 } END {
        printf "\nmax/min ratio of the medians: **%.3f** (1.000 = indistinguishable)\n", v[NR] / v[1] }'
} >"$TABLE"

cat "$TABLE"
if [ ! -f "$OUT" ]; then
    {
        printf '# Login timing\n\n'
        # shellcheck disable=SC2016 # markdown backticks
        printf 'Written by `bench/timing_login.sh` (appends one section per run; never run in CI).\n'
        printf 'Contract C4: an unknown account, a wrong password, a locked and a disabled account\n'
        printf 'must answer in the same time, each paying exactly one argon2id hash.\n'
    } >"$OUT"
fi
cat "$TABLE" >>"$OUT"
log "appended to $OUT"
