//go:build !windows && cgo && gssnego_bench

package gssapi_unix

import (
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// BenchmarkSPNEGOHandshakeC is the reference for negotiate's handshake
// benchmarks: the same exchange written in C against the native spnego
// mech, in one cgo call. Run both in one go:
//
//	go test -run '^$' -bench Handshake -tags gssnego_bench ./negotiate/ ./gssapi_unix/
func BenchmarkSPNEGOHandshakeC(b *testing.B) { benchCHandshakes(b, gss.MechSPNEGO) }

// BenchmarkKrb5HandshakeC is the raw krb5 mech's handshake in C.
func BenchmarkKrb5HandshakeC(b *testing.B) { benchCHandshakes(b, gss.MechKRB5) }

func benchCHandshakes(b *testing.B, mech gss.OID) {
	needRealm(b)
	if err := cLoopHandshakes("HTTP@localhost", mech, 1); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	if err := cLoopHandshakes("HTTP@localhost", mech, b.N); err != nil {
		b.Fatal(err)
	}
}
