//go:build !windows

package negotiate_test

import (
	"testing"

	"github.com/gssnego/gssnego/gss"
	testlab "github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// Handshake benchmarks, one in-process SPNEGO exchange per op (Kerberos
// with the optimistic token, AES, mutual auth, contexts closed). Compare in
// one run with the C loop of gssapi_unix (BenchmarkSPNEGOHandshakeC):
//
//	go test -run '^$' -bench Handshake ./negotiate/ ./gssapi_unix/
func BenchmarkHandshakeEngine(b *testing.B) {
	benchHandshake(b, func(p gss.Provider, n gss.Name) (mitm.Peer, mitm.Peer, func()) {
		c, _ := negotiate.NewClient(n, negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}})
		s, _ := negotiate.NewServer(negotiate.Config{Provider: p})
		return c, s, func() { c.Close(); s.Close() }
	})
}

// BenchmarkHandshakeEngineWithMIC adds the MIC exchange (strict profile:
// one more leg, GetMIC and VerifyMIC on each side).
func BenchmarkHandshakeEngineWithMIC(b *testing.B) {
	benchHandshake(b, func(p gss.Provider, n gss.Name) (mitm.Peer, mitm.Peer, func()) {
		cfg := negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Profile: negotiate.ProfileStrict}
		c, _ := negotiate.NewClient(n, cfg)
		s, _ := negotiate.NewServer(cfg)
		return c, s, func() { c.Close(); s.Close() }
	})
}

// BenchmarkHandshakeNativeSPNEGO is the backend's own spnego mech through
// the same Go binding.
func BenchmarkHandshakeNativeSPNEGO(b *testing.B) {
	benchHandshake(b, func(p gss.Provider, n gss.Name) (mitm.Peer, mitm.Peer, func()) {
		c, _ := p.InitSecContext(n, gss.WithMech(gss.MechSPNEGO), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
		s, _ := p.AcceptSecContext()
		return c, s, func() { c.Close(); s.Close() }
	})
}

func benchHandshake(b *testing.B, pair func(gss.Provider, gss.Name) (mitm.Peer, mitm.Peer, func())) {
	r := testrealm.Shared(b)
	p := testlab.Provider(b)
	n, err := p.ImportName(testrealm.ServiceHTTP+"@"+r.Name, gss.NameKerberosPrincipal)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, s, done := pair(p, n)
		res := mitm.Run(c, s, mitm.None)
		if res.InitErr != nil || res.AccErr != nil || !res.InitDone || !res.AccDone {
			b.Fatalf("handshake failed: %v %v", res.InitErr, res.AccErr)
		}
		done()
	}
}
