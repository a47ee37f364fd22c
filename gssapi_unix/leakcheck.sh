#!/bin/sh
# Leak check for gssapi_unix: runs TestLeakLoop (GSSNEGO_LEAKCHECK_N full
# context lifecycles, default 1000) and fails on C memory that is lost.
#
#   gssapi_unix/leakcheck.sh                      # valgrind memcheck, MIT build
#   gssapi_unix/leakcheck.sh -tags heimdal        # Heimdal build
#   LEAKCHECK_TOOL=asan gssapi_unix/leakcheck.sh  # LeakSanitizer (CC=clang-14 go test -asan)
#   GSSNEGO_LEAKCHECK_N=200 gssapi_unix/leakcheck.sh
#
# Every run starts with a self-test: the same loop with a deliberate C leak
# (GSSNEGO_LEAKCHECK_SELFTEST=1, internal/cleak) must FAIL. A checker that
# cannot run here, or that runs and sees nothing, fails the script instead
# of passing it.
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
#
# Why GODEBUG=cpu.rdtscp=off: Go's runtime reads the clock with RDTSCP when
# CPUID reports it. valgrind 3.19's virtual CPU reports RDTSCP even on hosts
# whose CPU lacks it (seen on an AMD EPYC host here: CPUID 0x80000001 EDX
# bit 27 is 0 natively and 1 under valgrind), and the instruction then
# faults: SIGILL in runtime.cputicks, so the outcome depended on the CPU the
# run landed on. With the option the runtime uses RDTSC, which valgrind
# executes everywhere (the same binary: SIGILL without it, PASS with it).
set -eu
cd "$(dirname "$0")"
export GSSNEGO_LEAKCHECK=1
: "${GSSNEGO_LEAKCHECK_N:=1000}"
export GSSNEGO_LEAKCHECK_N
tool="${LEAKCHECK_TOOL:-valgrind}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# run_valgrind LOG: 0 nothing lost, 1 memory lost, 2 no usable verdict.
run_valgrind() {
	log="$1"
	GODEBUG="cpu.rdtscp=off${GODEBUG:+,$GODEBUG}" \
		valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--undef-value-errors=no --suppressions=leakcheck.supp \
		--log-file="$log" \
		"$tmp/gssapi_unix.test" -test.run='^TestLeakLoop$' -test.count=1 -test.v \
		>"$log.out" 2>&1 || true
	if grep -q -e 'unhandled instruction' -e 'SIGILL' "$log" "$log.out"; then
		echo "leakcheck: valgrind could not execute the test binary on this CPU:" >&2
		grep -h -A3 -e 'unhandled instruction' -e 'SIGILL' "$log" "$log.out" | head -20 >&2
		return 2
	fi
	if ! grep -q -e '^--- PASS: TestLeakLoop' "$log.out"; then
		echo "leakcheck: TestLeakLoop did not pass under valgrind:" >&2
		tail -30 "$log.out" >&2
		return 2
	fi
	sed -n '/LEAK SUMMARY/,/suppressed:/p' "$log"
	if grep -q "no leaks are possible" "$log"; then
		return 0
	elif grep -Eq "(definitely|indirectly) lost: [1-9]" "$log"; then
		sed -n '/blocks are \(definitely\|indirectly\) lost/,/^==[0-9]*== $/p' "$log" | head -60
		return 1
	elif grep -q "definitely lost: 0 bytes" "$log"; then
		return 0
	fi
	echo "leakcheck: no leak summary in the valgrind log" >&2
	tail -20 "$log" >&2
	return 2
}

# run_asan LOG: same codes. LeakSanitizer reports at exit (Go >= 1.25).
run_asan() {
	log="$1"
	"$tmp/gssapi_unix.test" -test.run='^TestLeakLoop$' -test.count=1 -test.v >"$log" 2>&1 && rc=0 || rc=$?
	if grep -q "LeakSanitizer has encountered a fatal error" "$log"; then
		echo "leakcheck: LeakSanitizer cannot run here:" >&2
		tail -20 "$log" >&2
		return 2
	fi
	if grep -q "detected memory leaks" "$log"; then
		sed -n '/detected memory leaks/,$p' "$log" | head -60
		return 1
	fi
	if [ "$rc" -ne 0 ] || ! grep -q -e '^--- PASS: TestLeakLoop' "$log"; then
		echo "leakcheck: TestLeakLoop failed under -asan:" >&2
		tail -30 "$log" >&2
		return 2
	fi
	return 0
}

case "$tool" in
valgrind)
	go test -c -o "$tmp/gssapi_unix.test" "$@" .
	run=run_valgrind
	;;
asan)
	CC="${CC:-clang-14}" go test -c -asan -o "$tmp/gssapi_unix.test" "$@" .
	run=run_asan
	;;
*)
	echo "LEAKCHECK_TOOL must be valgrind or asan" >&2
	exit 2
	;;
esac

# Self-test: a build that leaks on purpose must fail.
rc=0
GSSNEGO_LEAKCHECK_SELFTEST=1 GSSNEGO_LEAKCHECK_N=20 $run "$tmp/selftest.log" >"$tmp/selftest.txt" 2>&1 || rc=$?
case "$rc" in
1)
	if ! grep -q gssnego_selftest_leak "$tmp/selftest.txt"; then
		echo "leakcheck: the self-test leak was reported without its allocation site:" >&2
		cat "$tmp/selftest.txt" >&2
		exit 1
	fi
	echo "leakcheck ($tool): self-test ok, a deliberate leak is reported"
	;;
0)
	echo "leakcheck ($tool): the deliberate leak of the self-test was NOT reported; this check cannot be trusted here" >&2
	cat "$tmp/selftest.txt" >&2
	exit 1
	;;
*)
	cat "$tmp/selftest.txt" >&2
	exit 1
	;;
esac

rc=0
$run "$tmp/check.log" || rc=$?
case "$rc" in
0) echo "leakcheck ($tool, $GSSNEGO_LEAKCHECK_N iterations): nothing lost" ;;
1) echo "leakcheck: memory lost" >&2; exit 1 ;;
*) exit 1 ;;
esac
