// Package soak drives many SPNEGO handshakes and HTTP Negotiate requests
// through the library against a real KDC and reports what grows: errors,
// goroutines, Go heap, RSS and the C heap (MIT's and Heimdal's objects,
// through internal/cheap.InUse), with latency percentiles.
//
// Each phase runs in two equal halves with the same concurrency. After each
// half every client has stopped, every connection is closed and the
// garbage collector has run (so AddCleanup safety nets fire), then a
// Snapshot is taken. Growth from the first half's snapshot to the second's
// is what the requests of the second half left behind: warm-up (thread
// caches, Heimdal's per-thread krb5_context, connection pools) is paid in
// the first half and does not count. Check turns that growth into a
// verdict with a tolerance of a fixed slack plus a per-request allowance;
// see Limits.
//
// The package test runs a small version under -race in the normal
// `go test ./...`; ci/soak.sh runs the full size (10,000 handshakes across
// 64 goroutines over MIT and over Heimdal, then 200 concurrent HTTP
// clients) through the same test with flags:
//
//	go test -run TestSoak -v ./internal/soak/ -soak.handshakes 10000 -soak.workers 64 -soak.clients 200 -soak.duration 30s
package soak
