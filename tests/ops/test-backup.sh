#!/usr/bin/env bash
# tests/ops/test-backup.sh — `tradeauth backup` during a register flood, then `restore`:
# every customer acknowledged before the backup started is in the restored database, and
# PRAGMA integrity_check says ok. Restore refuses while a server has the database open.
. "$TA_SOURCE_DIR/tests/ops/lib.sh"
t_serve live --delivery-poll-ms 5 --code-resend-s 0 --codes-per-address-hour 1000000 \
    --codes-per-recipient-hour 1000000 --codes-per-company-day 100000000 --lookup-per-address-min 1000000
LIVE="sqlite:$T_DIR/live.db"
"$T_PY" "$TA_SOURCE_DIR/tests/ops/register_flood.py" --url "$T_URL" --outbox "$T_DIR/live.outbox.jsonl" \
    --acked "$T_DIR/acked.txt" --seconds 4 --command-at 1.5 \
    -- "$TA_BINARY" backup "$T_DIR/backup.db" --db "$LIVE" || fail "backup during the flood"
n=$(wc -l <"$T_DIR/acked.txt")
[ "$n" -ge 10 ] || fail "only $n registrations before the backup: no flood"
[ "$(sqlite3 "$T_DIR/backup.db" 'PRAGMA integrity_check')" = ok ] || fail "backup integrity"
[ ! -e "$T_DIR/backup.db.partial" ] || fail "backup.db.partial left behind"

# A second backup to the same name is refused; restore onto the live database is refused.
"$TA_BINARY" backup "$T_DIR/backup.db" --db "$LIVE" 2>"$T_DIR/again.err" && fail "backup overwrote a file"
grep -q "exists" "$T_DIR/again.err" || fail "no reason given: $(cat "$T_DIR/again.err")"
"$TA_BINARY" restore "$T_DIR/backup.db" --db "$LIVE" 2>"$T_DIR/busy.err" && fail "restore under a server"
grep -q "is open in process ${T_PIDS[0]}" "$T_DIR/busy.err" || fail "restore: $(cat "$T_DIR/busy.err")"

# Restore into a database no server has open (with stale data in it), then read it back.
RESTORED="sqlite:$T_DIR/restored.db"
"$TA_BINARY" customer seed --company 1 --count 3 --db "$RESTORED" >/dev/null || fail "seed"
"$TA_BINARY" restore "$T_DIR/backup.db" --db "$RESTORED" || fail "restore"
[ "$(sqlite3 "$T_DIR/restored.db" 'PRAGMA integrity_check')" = ok ] || fail "restored integrity"
"$TA_BINARY" customer list --company 1 --json --limit 100000 --db "$RESTORED" |
    jq -r '.[].email' | sort >"$T_DIR/restored.txt"
grep -q seed "$T_DIR/restored.txt" && fail "the restored database kept rows the backup does not have"
missing=$(sort "$T_DIR/acked.txt" | comm -23 - "$T_DIR/restored.txt" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing acknowledged customers missing from the restored database"
# A server starts on the restored database and logs one of them in.
t_serve after --db "$RESTORED"
who=$(head -1 "$T_DIR/acked.txt")
t_post /api/login/customer.app.CustomerWebApiService.login \
    "{\"type\":1,\"loginName\":\"$who\",\"device\":1,\"loginPwd\":\"e10adc3949ba59abbe56e057f20f883e\"}" |
    grep -q '"code":"0"' || fail "login of $who after the restore"
"$TA_BINARY" backup "$T_DIR/pg.db" --db postgres://nowhere/db 2>"$T_DIR/pg.err" && fail "backup of PostgreSQL"
grep -q pg_dump "$T_DIR/pg.err" || fail "PostgreSQL: no pointer to pg_dump"
echo "ok: $n customers acknowledged before the backup, all restored; integrity ok"
