#!/usr/bin/env bash
# Proves that plain `make` (the first half of `make run`) needs none of the test packages:
# builds in a scratch folder with the test packages' pkg-config files hidden, then starts
# the binary on a free loopback port and asks /healthz.
#   check-fresh-build.sh               hide the test packages on this machine (make test)
#   check-fresh-build.sh --debootstrap make a minimal Debian 12 root with only make, git and
#                                      curl, clone the repository into it, plain `make` there
#                                      (it installs its own packages), then `make run`: /healthz
#                                      and the default company
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ta-fresh.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# Packages that only `deps.sh test` / `deps.sh bench` install: their .pc files are hidden.
TEST_ONLY=(libcmocka-dev)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# probe PORT CMD...: runs CMD in its own process group (it must serve on 127.0.0.1:PORT),
# checks /healthz answers 200, then stops the whole group (make run's make and its server).
probe() {
  local port="$1" code=000 pid
  shift
  setsid "$@" >"$WORK/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$code" != 200 ]; then
    echo "check-fresh-build: /healthz answered $code" >&2
    cat "$WORK/serve.log" >&2
    exit 1
  fi
}

# Starts BIN on a free port with a scratch database and checks /healthz answers 200.
serve_and_probe() {
  local run="$1" dir="$2" port
  port=$(free_port)
  probe "$port" $run serve --listen "127.0.0.1:$port" --db "sqlite:$dir/fresh.db" \
      --delivery-log "$dir/outbox.jsonl" --log-level warn
}

hidden_pkgconfig() {
  local pcdir="$WORK/pkgconfig" hide=() d f
  mkdir -p "$pcdir"
  for p in "${TEST_ONLY[@]}"; do
    if dpkg-query -L "$p" >/dev/null 2>&1; then
      while read -r f; do hide+=("$(basename "$f")"); done < <(dpkg-query -L "$p" | grep '\.pc$')
    fi
  done
  for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
    [ -d "$d" ] || continue
    for f in "$d"/*.pc; do
      [ -e "$f" ] || continue
      case " ${hide[*]} " in *" $(basename "$f") "*) continue ;; esac
      [ -e "$pcdir/$(basename "$f")" ] || ln -s "$f" "$pcdir/"
    done
  done
  if PKG_CONFIG_LIBDIR="$pcdir" pkg-config --exists cmocka; then
    echo "check-fresh-build: cmocka is still visible" >&2
    exit 1
  fi
  echo "check-fresh-build: plain make with the test packages hidden (${hide[*]:-none installed})"
  PKG_CONFIG_LIBDIR="$pcdir" make -C "$ROOT" --no-print-directory build BUILD="$WORK/build" \
    >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log" >&2; echo "check-fresh-build: make failed" >&2; exit 1; }
  if grep -q 'ta_test_support\|cmocka' "$WORK/build/CMakeCache.txt" 2>/dev/null &&
     grep -q '^TA_TESTS:BOOL=ON' "$WORK/build/CMakeCache.txt"; then
    echo "check-fresh-build: plain make configured the test suite" >&2
    exit 1
  fi
  serve_and_probe "$WORK/build/tradeauth" "$WORK"
  echo "check-fresh-build: ok (plain make needs no test package; /healthz 200)"
}

debootstrap_root() {
  command -v debootstrap >/dev/null || { echo "check-fresh-build: debootstrap missing" >&2; exit 1; }
  local r="$WORK/root"
  echo "check-fresh-build: debootstrap bookworm (minbase + make git curl) into $r"
  debootstrap --variant=minbase --include=make,git,curl,ca-certificates,python3 bookworm "$r" \
    http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  cp /etc/apt/sources.list "$r/etc/apt/" 2>/dev/null || true
  cp -r /etc/apt/sources.list.d/. "$r/etc/apt/sources.list.d/" 2>/dev/null || true
  git clone -q "$ROOT" "$r/src/tradeauth"
  mount -t proc proc "$r/proc"
  trap 'umount "$WORK/root/proc" 2>/dev/null; rm -rf "$WORK"' EXIT
  chroot "$r" /bin/bash -c 'cd /src/tradeauth && make' || {
    echo "check-fresh-build: plain make failed in the fresh root" >&2; exit 1; }
  # The README's first command itself: serves var/tradeauth.db with the default company.
  local port
  port=$(free_port)
  probe "$port" chroot "$r" /bin/bash -c \
    "cd /src/tradeauth && exec make run RUN_FLAGS='--listen 127.0.0.1:$port'"
  grep -q 'default company: real id 1, demo twin id 2' "$WORK/serve.log" || {
    cat "$WORK/serve.log" >&2
    echo "check-fresh-build: make run did not create the default company" >&2; exit 1; }
  echo "check-fresh-build: ok (fresh Debian 12 root: plain make built; make run served /healthz" \
    "with the default company)"
}

case "${1:-}" in
  --debootstrap) debootstrap_root ;;
  "") hidden_pkgconfig ;;
  *) echo "usage: $0 [--debootstrap]" >&2; exit 2 ;;
esac
