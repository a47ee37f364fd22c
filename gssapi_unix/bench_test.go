//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// The benchmarks compare each Go call with the same loop run entirely in C
// (one cgo call per benchmark, so its cost is amortised): the difference is
// the binding's overhead — the cgo transition, pinning, copying the output
// into Go memory and releasing the C buffer.
//
//	go test -run '^$' -bench . -benchmem ./gssapi_unix/
//	go test -run '^$' -bench . -benchmem -tags heimdal ./gssapi_unix/

func benchPair(b *testing.B) (ini, acc *SecContext) {
	b.Helper()
	return pair(b, provider(b), realm.Principal(targetHTTP))
}

func BenchmarkGetMIC64(b *testing.B) {
	ini, _ := benchPair(b)
	msg := make([]byte, 64)
	b.SetBytes(64)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ini.GetMIC(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetMIC64C(b *testing.B) {
	ini, _ := benchPair(b)
	msg := make([]byte, 64)
	b.SetBytes(64)
	b.ResetTimer()
	require.NoError(b, cLoopGetMIC(ini, msg, b.N))
}

func BenchmarkWrapUnwrap1MiB(b *testing.B) {
	ini, acc := benchPair(b)
	msg := make([]byte, 1<<20)
	b.SetBytes(1 << 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok, _, err := ini.Wrap(msg, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := acc.Unwrap(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWrapUnwrap1MiBC(b *testing.B) {
	ini, acc := benchPair(b)
	msg := make([]byte, 1<<20)
	b.SetBytes(1 << 20)
	b.ResetTimer()
	require.NoError(b, cLoopWrapUnwrap(ini, acc, msg, b.N))
}

// BenchmarkHandshakeKRB5 is a full in-process raw krb5 handshake with mutual
// auth (service ticket from the ccache, AP-REQ, AP-REP), both contexts closed.
func BenchmarkHandshakeKRB5(b *testing.B) {
	p := provider(b)
	target := importTarget(b, p, realm.Principal(targetHTTP))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ini, err := p.InitSecContext(target, gss.WithFlags(allFlagsLocal))
		if err != nil {
			b.Fatal(err)
		}
		acc, err := p.AcceptSecContext()
		if err != nil {
			b.Fatal(err)
		}
		handshake(b, ini, acc)
		ini.Close()
		acc.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}
