#!/usr/bin/env bash
# scripts/pg-test-cluster.sh — a throwaway PostgreSQL server for tests, on 127.0.0.1 only.
# start DIR: initdb into DIR, pick a free port, start, create role+database, print the URL.
# stop DIR: stop fast and remove DIR. restart DIR: stop fast, start again on the same port.
# url DIR: print the URL again (start also leaves it in DIR/url).
#
# Run as root (CI, developer machines) the server runs as the `postgres` OS user, because
# postgres refuses to run as root. TA_PG_OWNER_PID=<pid> makes start leave a watchdog that
# stops the cluster when that process dies without calling stop (a crashed test binary).
# PG_BIN overrides where initdb/pg_ctl/psql are looked for.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|restart|url DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
verb=$1
dir=$2
[ -n "$dir" ] || usage
case $dir in
/*) ;;
*) dir=$PWD/$dir ;; # postgres resolves paths from its own working directory
esac

marker=$dir/.ta-pg-test-cluster # only a DIR carrying it is ever removed
data=$dir/data
role=tradeauth
dbname=tradeauth
timeout_s=60

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        echo "$PG_BIN"
        return
    fi
    local b
    b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$b" ] && [ -x "$b/initdb" ]; then
        echo "$b"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    else
        echo "pg-test-cluster: no initdb found (set PG_BIN)" >&2
        exit 1
    fi
}
bin=$(find_bin)

# postgres will not run as root; everything that touches the cluster runs as its owner.
if [ "$(id -u)" -eq 0 ]; then
    as_pg=(runuser -u postgres --)
else
    as_pg=()
fi

# True when something listens on TCP port $1 (IPv4 or IPv6), from /proc: no extra tools.
port_busy() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
                      END { exit f ? 0 : 1 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

pick_port() {
    local p i
    for i in $(seq 1 200); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! port_busy "$p"; then
            echo "$p"
            return
        fi
    done
    echo "pg-test-cluster: no free port found" >&2
    exit 1
}

pg_ctl_start() {
    "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t "$timeout_s" start \
        >/dev/null
}

pg_ctl_stop() {
    "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -m fast -w -t "$timeout_s" stop >/dev/null 2>&1 ||
        "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w -t "$timeout_s" stop \
            >/dev/null 2>&1 || true
}

running() {
    [ -f "$data/postmaster.pid" ] &&
        "${as_pg[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() {
    echo "postgres://$role@127.0.0.1:$(cat "$dir/port")/$dbname"
}

# Stops the server and removes DIR; refuses a DIR that start did not make.
destroy() {
    if [ -f "$dir/watchdog.pid" ]; then
        local w
        w=$(cat "$dir/watchdog.pid")
        rm -f "$dir/watchdog.pid"
        [ -n "$w" ] && kill "$w" 2>/dev/null || true
    fi
    if [ -d "$data" ]; then
        pg_ctl_stop
    fi
    if [ -f "$marker" ]; then
        rm -rf "$dir"
    elif [ -d "$dir" ]; then
        rmdir "$dir" 2>/dev/null || echo "pg-test-cluster: $dir is not a test cluster; kept" >&2
    fi
}

# A detached loop that destroys the cluster once the owner process is gone. Its output goes
# to /dev/null so that a caller reading start's stdout is not held open by it.
start_watchdog() {
    local owner=$1
    setsid bash -c '
        owner=$1; dir=$2; script=$3
        while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
        [ -d "$dir" ] || exit 0
        rm -f "$dir/watchdog.pid" # stop would otherwise kill this very process
        exec bash "$script" stop "$dir"
    ' watchdog "$owner" "$dir" "$(readlink -f "$0")" </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watchdog.pid"
}

start() {
    # A cluster left by a run that was killed (CTest fixtures reuse one DIR): ours, so replace it.
    if [ -f "$marker" ]; then
        echo "pg-test-cluster: removing the old cluster in $dir" >&2
        destroy
    fi
    mkdir -p "$dir"
    if [ -n "$(ls -A "$dir")" ]; then
        echo "pg-test-cluster: $dir is not empty" >&2
        exit 1
    fi
    touch "$marker"
    chmod 700 "$dir"
    # On any failure from here on, leave nothing running and nothing behind.
    trap 'rc=$?; if [ $rc -ne 0 ]; then
              echo "pg-test-cluster: start failed" >&2
              [ -f "$dir/postgres.log" ] && tail -n 20 "$dir/postgres.log" >&2
              destroy
          fi' EXIT
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"

    "${as_pg[@]}" timeout 120 "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C \
        --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    # Trust only the loopback address and the private socket directory (mode 700).
    cat >"$data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF

    local attempt port
    for attempt in 1 2 3 4 5; do
        port=$(pick_port)
        # fsync and synchronous_commit keep their safe defaults on purpose: the restart test
        # must see what a real server keeps.
        cat >"$data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
synchronous_commit = on
logging_collector = off
deadlock_timeout = '200ms'
EOF
        [ "$(id -u)" -eq 0 ] && chown -R postgres: "$dir"
        echo "$port" >"$dir/port"
        if pg_ctl_start; then
            break
        fi
        # Another process may have taken the port between the check and the bind.
        grep -q "could not bind" "$dir/postgres.log" 2>/dev/null || exit 1
        port=
    done
    [ -n "$port" ] || exit 1

    "${as_pg[@]}" "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE $role LOGIN" \
        -c "CREATE DATABASE $dbname OWNER $role" >/dev/null
    if [ -n "${TA_PG_OWNER_PID:-}" ]; then
        start_watchdog "$TA_PG_OWNER_PID"
    fi
    url >"$dir/url" # for readers that cannot take start's stdout (CTest fixtures)
    trap - EXIT
    url
}

restart() {
    [ -f "$marker" ] && [ -f "$dir/port" ] || { echo "pg-test-cluster: no cluster in $dir" >&2; exit 1; }
    "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -m fast -w -t "$timeout_s" stop >/dev/null
    pg_ctl_start
}

case $verb in
start) start ;;
stop) destroy ;;
restart) restart ;;
url)
    [ -f "$dir/port" ] || { echo "pg-test-cluster: no cluster in $dir" >&2; exit 1; }
    url
    ;;
*) usage ;;
esac
