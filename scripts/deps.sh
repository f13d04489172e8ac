#!/usr/bin/env bash
# Installs the Debian 12 packages tradeauth needs, only those missing.
# `deps.sh` — build and run; `deps.sh test` — also the test tools (cmocka, PostgreSQL,
# an SMTP receiver); `deps.sh bench` — also wrk.
set -euo pipefail
need=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsodium-dev
      libsqlite3-dev libpq-dev liboath-dev libcurl4-openssl-dev libinih-dev libssl-dev
      libcrypt-dev)
case "${1:-}" in
  test)  need+=(libcmocka-dev postgresql python3 python3-aiosmtpd curl prometheus sqlite3 jq
               python3-jsonschema nodejs nginx-light chromium chromium-driver python3-selenium
               clang-14 libclang-rt-14-dev systemd man-db)
         command -v npm >/dev/null || need+=(npm) ;;  # nodesource's nodejs bundles npm
  bench) need+=(libcmocka-dev wrk curl python3) ;;
esac
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
