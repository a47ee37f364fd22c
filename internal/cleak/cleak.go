//go:build !windows && cgo

// Package cleak loses C memory on purpose: gssapi_unix/leakcheck.sh's
// self-test links it into the leak test to prove that the leak checker in
// force on the machine still reports a leak. It is internal so that no
// user's binary carries it.
package cleak

/*
#include <stdlib.h>
#include <string.h>

// gssnego_selftest_sink keeps the compiler from deleting the allocations
// (clang removes a malloc whose result is never used); each store drops the
// previous block, so all but the last are lost inside C, where no copy of
// the pointer survives in Go memory for a leak checker to find.
static void *volatile gssnego_selftest_sink;

static void gssnego_selftest_leak(int n) {
	for (int i = 0; i < n; i++) {
		void *p = malloc(48);
		if (p != NULL) memset(p, 0x5a, 48);
		gssnego_selftest_sink = p;
	}
}
*/
import "C"

// Leak loses n small C blocks on purpose. Only gssapi_unix's TestLeakLoop
// calls it, and only when GSSNEGO_LEAKCHECK_SELFTEST=1: leakcheck.sh runs that
// build first and requires the leak checker to fail it, which proves the
// check in force on this machine still sees a leak (a valgrind or sanitizer
// that silently checks nothing would pass every build).
func Leak(n int) { C.gssnego_selftest_leak(C.int(n)) }
