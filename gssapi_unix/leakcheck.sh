#!/bin/sh
# Leak check for gssapi_unix: runs TestLeakLoop (GSSNEGO_LEAKCHECK_N full
# context lifecycles, default 1000) and fails on C memory that is lost.
#
#   gssapi_unix/leakcheck.sh                      # valgrind memcheck, MIT build
#   gssapi_unix/leakcheck.sh -tags heimdal        # Heimdal build
#   LEAKCHECK_TOOL=asan gssapi_unix/leakcheck.sh  # LeakSanitizer (CC=clang-14 go test -asan)
#   GSSNEGO_LEAKCHECK_N=200 gssapi_unix/leakcheck.sh
#
# valgrind tracks malloc'd memory, which is what the binding must not leak
# (the Go heap is not malloc'd). It does not understand Go's stacks and
# reports thousands of bogus invalid reads in Go code, so those errors are
# not counted (and --undef-value-errors=no); the verdict comes from the leak
# summary: any "definitely lost" or "indirectly lost" byte fails. MIT and
# Heimdal keep one-time allocations (error tables, per-thread krb5_context,
# the mechanism list) reachable until exit: "still reachable", a few KiB
# whatever N is, and not a failure. leakcheck.supp lists library leaks that
# are not ours (none were needed with MIT 1.20.1 and Heimdal 7.8).
# (Go's -tags valgrind runtime annotations crash valgrind 3.19's leak
# checker, so they are not used.)
set -eu
cd "$(dirname "$0")"
export GSSNEGO_LEAKCHECK=1
: "${GSSNEGO_LEAKCHECK_N:=1000}"
export GSSNEGO_LEAKCHECK_N
tool="${LEAKCHECK_TOOL:-valgrind}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
case "$tool" in
valgrind)
	go test -c -o "$tmp/gssapi_unix.test" "$@" .
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--undef-value-errors=no --suppressions=leakcheck.supp \
		--log-file="$tmp/valgrind.log" \
		"$tmp/gssapi_unix.test" -test.run='^TestLeakLoop$' -test.count=1 -test.v
	sed -n '/LEAK SUMMARY/,/suppressed:/p' "$tmp/valgrind.log"
	if grep -q "no leaks are possible" "$tmp/valgrind.log"; then
		:
	elif grep -Eq "(definitely|indirectly) lost: [1-9]" "$tmp/valgrind.log"; then
		sed -n '/blocks are \(definitely\|indirectly\) lost/,/^==[0-9]*== $/p' "$tmp/valgrind.log"
		echo "leakcheck: memory lost" >&2
		exit 1
	elif ! grep -q "definitely lost: 0 bytes" "$tmp/valgrind.log"; then
		echo "leakcheck: no leak summary in the valgrind log" >&2
		tail -20 "$tmp/valgrind.log" >&2
		exit 1
	fi
	;;
asan)
	CC="${CC:-clang-14}" go test -asan -count=1 -v -run '^TestLeakLoop$' "$@" .
	;;
*)
	echo "LEAKCHECK_TOOL must be valgrind or asan" >&2
	exit 2
	;;
esac
echo "leakcheck ($tool, $GSSNEGO_LEAKCHECK_N iterations): nothing lost"
