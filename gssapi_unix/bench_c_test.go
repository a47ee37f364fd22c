//go:build !windows && cgo && gssnego_bench

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The C references of bench_test.go's per-message benchmarks (benchloop.go).

func BenchmarkGetMIC64C(b *testing.B) {
	ini, _ := benchPair(b)
	msg := make([]byte, 64)
	b.SetBytes(64)
	b.ResetTimer()
	require.NoError(b, cLoopGetMIC(ini, msg, b.N))
}

func BenchmarkWrapUnwrap1MiBC(b *testing.B) {
	ini, acc := benchPair(b)
	msg := make([]byte, 1<<20)
	b.SetBytes(1 << 20)
	b.ResetTimer()
	require.NoError(b, cLoopWrapUnwrap(ini, acc, msg, b.N))
}
