#!/usr/bin/env bash
# Runs every Fuzz target of the root module briefly (FUZZTIME, default 20s).
# New targets are found automatically; a finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-20s}"
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/gssnego-fuzz.log 2>&1 || {
      cat /tmp/gssnego-fuzz.log; echo "fuzz: $target found a failure"; exit 1; }
  done
done
