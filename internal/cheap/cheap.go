//go:build !windows && cgo

// Package cheap measures the C allocator's heap, where MIT's and Heimdal's
// objects live, for the soak tests (internal/soak). It is internal so that
// no user's binary links a measurement only tests need.
package cheap

/*
#include <stdlib.h> // defines __GLIBC__ through features.h
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
static int gn_cheap(size_t *inuse) {
	struct mallinfo2 mi = mallinfo2();
	// Small blocks in use plus mmap'd large ones: what the process holds
	// from malloc, free lists and arena slack excluded.
	*inuse = mi.uordblks + mi.hblkhd;
	return 1;
}
#else
static int gn_cheap(size_t *inuse) { *inuse = 0; return 0; }
#endif
*/
import "C"

// InUse returns the bytes the process holds from the C allocator
// (glibc mallinfo2: uordblks + hblkhd), which is where MIT's and Heimdal's
// objects live; ok is false where the C library cannot tell (not glibc, or
// glibc older than 2.33). mallinfo2 walks every arena under its locks: call
// it between phases of a test, not in a hot loop. Soak and leak tests
// compare it before and after many handshakes (internal/soak).
func InUse() (bytes uint64, ok bool) {
	var n C.size_t
	if C.gn_cheap(&n) == 0 {
		return 0, false
	}
	return uint64(n), true
}
