#!/usr/bin/env bash
# House-rule checks run by `make test` before the suite: every C file formatted by the
# project's .clang-format, and none of the banned functions of STYLE.md (curl's checksrc
# idea: a grep, so a new file is checked without listing it).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files -- '*.c' '*.h')
bad=$(clang-format --dry-run $files 2>&1 | grep -o '^[^:]*\.[ch]' | sort -u || true)
if [ -n "$bad" ]; then
  echo "lint: not formatted by .clang-format (run clang-format -i on them):" >&2
  echo "$bad" >&2
  exit 1
fi
# Word-bounded calls only: snprintf, strtoll, gmtime_r and friends stay allowed.
banned='sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets|rand|gmtime|localtime|system'
hits=$(grep -nE "(^|[^_a-zA-Z0-9.>])($banned)[[:space:]]*\(" $files | grep -vE '^\S+:[0-9]+:\s*(\*|//|/\*)' || true)
if [ -n "$hits" ]; then
  echo "lint: banned functions (STYLE.md): use snprintf, strtoll, randombytes_buf, *_r forms" >&2
  echo "$hits" >&2
  exit 1
fi
echo "lint: ok ($(echo $files | wc -w) files formatted, no banned function)"
