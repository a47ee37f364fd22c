#!/usr/bin/env bash
# Runs every Fuzz target of every module in the tree (the root module,
# bench/, compat/*) for a fixed number of inputs each (FUZZCOUNT, default
# 100000). New targets are found automatically; a finding fails the run and
# names the reproducer written under the package's testdata/fuzz/.
#
# Why a count and not a duration: Go 1.26's fuzz coordinator can fail a
# target that found nothing when a -fuzztime DURATION runs out while a
# worker is mid-input ("context deadline exceeded", golang/go#75804, fixed
# in Go 1.27). With a count budget no deadline is armed, so that race cannot
# happen, and a slower machine just takes longer instead of failing. Every
# failure is therefore real; to be sure of it, the script also reports
# whether the failure left a reproducer.
# Usage: ci/fuzz.sh                 all targets, FUZZCOUNT inputs each
#        FUZZCOUNT=20000 ci/fuzz.sh quicker
set -euo pipefail
cd "$(dirname "$0")/.."
count="${FUZZCOUNT:-100000}"
count="${count%x}x"
log=$(mktemp "${TMPDIR:-/tmp}/gssnego-fuzz.XXXXXX")
trap 'rm -f "$log"' EXIT
modules=". $(find . -name go.mod -not -path ./go.mod -not -path '*/testdata/*' -printf '%h\n' | sort | tr '\n' ' ')"
total=0
for mod in $modules; do
  for pkg in $(cd "$mod" && go list ./...); do
    dir=$(cd "$mod" && go list -f '{{.Dir}}' "$pkg")
    targets=$(cd "$mod" && go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
    for target in $targets; do
      start=$SECONDS
      before=$(find "$dir/testdata/fuzz/$target" -type f 2>/dev/null | sort || true)
      if (cd "$mod" && go test -run '^$' -fuzz "^${target}\$" -fuzztime "$count" -timeout 20m "$pkg") >"$log" 2>&1; then
        echo "fuzz: $pkg $target: ${count%x} inputs, no finding ($((SECONDS - start)) s)"
        total=$((total + 1))
        continue
      fi
      cat "$log"
      after=$(find "$dir/testdata/fuzz/$target" -type f 2>/dev/null | sort || true)
      new=$(comm -13 <(echo "$before") <(echo "$after") | grep . || true)
      if [ -n "$new" ]; then
        echo "fuzz: $pkg $target found a failure; reproducer: $new"
      else
        echo "fuzz: $pkg $target failed without writing a reproducer (see the log above)"
      fi
      exit 1
    done
  done
done
echo "fuzz: $total targets, ${count%x} inputs each, no finding"
