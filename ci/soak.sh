#!/usr/bin/env bash
# Soak: 10,000 SPNEGO handshakes of the Go engine across 64 goroutines, then
# negotiate/httpauth's server under 200 concurrent authenticated clients
# (fresh, keep-alive, multi-leg and garbage requests) for 30 s — over MIT,
# then over Heimdal, each against a throwaway MIT KDC on loopback. Each phase
# runs in two halves; the test fails on any error and on growth of
# goroutines, Go heap, RSS or C heap (glibc mallinfo2) from the first half
# to the second beyond internal/soak's DefaultLimits. Not part of
# ci/test.sh (about 2 minutes on 2 cores); the same test at a small size
# runs there under -race.
# Usage: ci/soak.sh
#        SOAK_HANDSHAKES=20000 SOAK_WORKERS=64 SOAK_CLIENTS=200 SOAK_DURATION=60s ci/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
export GSSNEGO_REQUIRE_LAB=1
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

ci/install-deps.sh base

args=(-soak.handshakes "${SOAK_HANDSHAKES:-10000}" -soak.workers "${SOAK_WORKERS:-64}"
      -soak.clients "${SOAK_CLIENTS:-200}" -soak.duration "${SOAK_DURATION:-30s}")
log=$(mktemp "${TMPDIR:-/tmp}/gssnego-soak.XXXXXX")
trap 'rm -f "$log"' EXIT
for build in mit heimdal; do
  tags=()
  [ "$build" = heimdal ] && tags=(-tags heimdal)
  printf '\n=== soak, %s build (t+%ds)\n' "$build" "$SECONDS"
  if ! go test "${tags[@]}" -count=1 -timeout 30m -v -run '^TestSoak$' ./internal/soak/ "${args[@]}" >"$log" 2>&1; then
    cat "$log"
    echo "soak: $build build FAILED"
    exit 1
  fi
  # The figures, without testify's noise.
  grep -E 'soak:|start:|half:|statuses:|latency:|^ +(all|fresh|garbage|keep-alive|multi-leg|optimistic|extra-leg) |per request|pending|^(--- |ok )' "$log" | sed 's/^ *soak_test.go:[0-9]*: //'
done
echo
echo "ci/soak.sh: both builds passed in ${SECONDS}s"
