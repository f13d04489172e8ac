#!/usr/bin/env bash
# tests/ops/test-openapi.sh — docs/openapi.json is exactly what the binary generates (and
# what GET /openapi.json serves); Redocly's linter finds no problem in it; real answers of a
# live server fit its schemas (customer payload, envelope, each route's codes).
. "$TA_SOURCE_DIR/tests/ops/lib.sh"
: "${TA_BUILD_DIR:?}"
DOC=$TA_SOURCE_DIR/docs/openapi.json
"$TA_BINARY" openapi >"$T_DIR/generated.json" || fail "tradeauth openapi"
diff -u "$DOC" "$T_DIR/generated.json" >"$T_DIR/drift.diff" || {
    head -40 "$T_DIR/drift.diff" >&2
    fail "docs/openapi.json differs from the binary's: run build/tradeauth openapi > docs/openapi.json"
}

# The validator, from the npm registry into build/ (once). 1.34.5: the newest line that
# runs on Debian 12's nodejs 18 (2.x wants node 20.19).
REDOCLY=@redocly/cli@1.34.5
R=$TA_SOURCE_DIR/build/npm-redocly-1.34.5 # shared by the release and ASan suites
if [ ! -x "$R/node_modules/.bin/redocly" ]; then
    command -v npm >/dev/null || fail "npm missing (scripts/deps.sh test)"
    mkdir -p "$R"
    npm install --prefix "$R" --no-audit --no-fund --loglevel=error "$REDOCLY" \
        >"$T_DIR/npm.log" 2>&1 || { cat "$T_DIR/npm.log" >&2; fail "npm install $REDOCLY"; }
fi
(cd "$T_DIR" && "$R/node_modules/.bin/redocly" lint --format=stylish "$DOC") >"$T_DIR/lint.txt" 2>&1 ||
    { cat "$T_DIR/lint.txt" >&2; fail "redocly lint: errors"; }
grep -qi "warning" "$T_DIR/lint.txt" && { cat "$T_DIR/lint.txt" >&2; fail "redocly lint: warnings"; }

t_serve api --delivery-poll-ms 10
curl -sS --max-time 10 "$T_URL/openapi.json" >"$T_DIR/served.json" || fail "GET /openapi.json"
cmp -s "$DOC" "$T_DIR/served.json" || fail "GET /openapi.json differs from docs/openapi.json"

# Real answers against the document.
CWS=customer.app.CustomerWebApiService
t_post /api/global/message.app.VerificationApiService.verifyCodeSend \
    '{"bizType":"EMAIL_REGISTER_VERIFICATION_CODE","toUser":"oa@example.com"}' >"$T_DIR/send.json"
send=$(jq -r .data.token "$T_DIR/send.json")
for i in $(seq 1 100); do
    code=$(jq -r 'select(.to=="oa@example.com") | .code' "$T_DIR/api.outbox.jsonl" 2>/dev/null | tail -1)
    [ -n "$code" ] && break
    sleep 0.05
done
[ -n "$code" ] || fail "no code in the outbox"
t_post /api/register/$CWS.register "{\"type\":1,\"loginName\":\"oa@example.com\",\"country\":\"CN\",\"verifyCode\":\"$code\",\"sendToken\":\"$send\",\"registerSource\":1,\"pwd\":\"e10adc3949ba59abbe56e057f20f883e\"}" >"$T_DIR/register.json"
t_post /api/login/$CWS.login '{"type":1,"loginName":"oa@example.com","device":1,"loginPwd":"e10adc3949ba59abbe56e057f20f883e"}' >"$T_DIR/login.json"
token=$(jq -r .data.token "$T_DIR/login.json")
t_post /api/global/$CWS.findCustomerInfo '{}' -H "token: $token" >"$T_DIR/info.json"
t_post /api/login/$CWS.login '{"type":1,"loginName":"oa@example.com","device":1,"loginPwd":"00000000000000000000000000000000"}' >"$T_DIR/wrong.json"
t_post /api/login/$CWS.login '{"type":"x"}' >"$T_DIR/field.json"
for f in register login info; do
    [ "$(jq -r .code "$T_DIR/$f.json")" = 0 ] || fail "$f: $(cat "$T_DIR/$f.json")"
done
"$T_PY" "$TA_SOURCE_DIR/tests/ops/check_payload.py" "$DOC" \
    "Registered=$T_DIR/register.json@/register/$CWS.register" \
    "Customer=$T_DIR/login.json@/login/$CWS.login" \
    "Customer=$T_DIR/info.json@/global/$CWS.findCustomerInfo" \
    "-=$T_DIR/wrong.json@/login/$CWS.login" "-=$T_DIR/field.json@/login/$CWS.login" \
    "-=$T_DIR/send.json@/global/message.app.VerificationApiService.verifyCodeSend" ||
    fail "answers do not fit docs/openapi.json"
echo "ok: docs/openapi.json current, served, lint-clean, and real answers fit it"
