#!/usr/bin/env bash
# tests/ops/test-prometheus.sh — the alert rules parse and fire as meant (promtool check/test
# rules), and a live server's /metrics passes `promtool check metrics` and carries every
# series the rules read.
. "$TA_SOURCE_DIR/tests/ops/lib.sh"
command -v promtool >/dev/null || fail "promtool missing (Debian package prometheus, scripts/deps.sh test)"
P=$TA_SOURCE_DIR/docs/prometheus
promtool check rules "$P/alerts.yml" || fail "promtool check rules"
(cd "$P" && promtool test rules alerts.test.yml) || fail "promtool test rules"

t_serve prom
# A few answers so that the counters have series: a sent code, a wrong password, a bad request.
t_post /api/global/message.app.VerificationApiService.verifyCodeSend \
    '{"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"prom@example.com"}' | grep -q '"code":"0"' ||
    fail "verifyCodeSend"
t_post /api/login/customer.app.CustomerWebApiService.login \
    '{"type":1,"loginName":"nobody@example.com","device":1,"loginPwd":"e10adc3949ba59abbe56e057f20f883e"}' \
    | grep -q CUSTOMER_API_0000102 || fail "login with a wrong password"
t_post /api/login/customer.app.CustomerWebApiService.login '{' | grep -q GATEWAY_CODE_003 || fail "bad JSON"
# The delivery worker sends the code within a poll or two (bounded: 10 s).
for i in $(seq 1 100); do
    curl -sS --max-time 10 "$T_URL/metrics" >"$T_DIR/metrics.txt" || fail "GET /metrics"
    grep -qx 'tradeauth_outbox_pending 0' "$T_DIR/metrics.txt" && break
    sleep 0.1
done
promtool check metrics <"$T_DIR/metrics.txt" || { cat "$T_DIR/metrics.txt" >&2; fail "promtool check metrics"; }

# Every metric name the rules use is served (a renamed metric would silence an alert).
for m in $(grep -o 'tradeauth_[a-z_]*' "$P/alerts.yml" | sort -u); do
    grep -q "^$m[{ ]" "$T_DIR/metrics.txt" || fail "/metrics lacks $m, which alerts.yml reads"
done
grep -qx 'tradeauth_ready 1' "$T_DIR/metrics.txt" || fail "tradeauth_ready is not 1"
grep -qx 'tradeauth_outbox_pending 0' "$T_DIR/metrics.txt" || fail "tradeauth_outbox_pending is not 0"
grep -q 'tradeauth_requests_total{route="login",code="CUSTOMER_API_0000102",outcome="E_CREDENTIALS"} 1$' \
    "$T_DIR/metrics.txt" || fail "the wrong password is not counted"
echo "ok: rules checked and tested, /metrics valid with $(grep -c '^tradeauth_' "$T_DIR/metrics.txt") samples"
