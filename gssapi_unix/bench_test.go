//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// The benchmarks compare each Go call with the same loop run entirely in C
// (one cgo call per benchmark, so its cost is amortised; bench_c_test.go):
// the difference is the binding's overhead — the cgo transition, pinning,
// copying the output into Go memory and releasing the C buffer. The C loops
// are compiled only with the gssnego_bench tag, so that no user's binary
// carries them:
//
//	go test -run '^$' -bench . -benchmem -tags gssnego_bench ./gssapi_unix/
//	go test -run '^$' -bench . -benchmem -tags heimdal,gssnego_bench ./gssapi_unix/

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
