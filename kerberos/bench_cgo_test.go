//go:build cgo && !windows && !heimdal

package kerberos_test

import (
	"testing"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

// BenchmarkHandshake: one in-process handshake per iteration (fresh
// initiator and acceptor contexts, service ticket already in memory or in
// MIT's ccache), raw krb5 with mutual authentication and through the SPNEGO
// engine, pure-Go on both sides vs MIT's library on both sides. Compare
// the ns/op of the two rows of one run; nothing is asserted.
func BenchmarkHandshake(b *testing.B) {
	r := testrealm.Shared(b)
	providers := []struct {
		name string
		p    gss.Provider
	}{{"PureGo", kerberos.NewProvider()}, {"MIT", gssapi_unix.New()}}
	for _, pv := range providers {
		p := pv.p
		target, err := p.ImportName(hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("RawKrb5/"+pv.name, func(b *testing.B) {
			for b.Loop() {
				init, err := p.InitSecContext(target, gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
				if err != nil {
					b.Fatal(err)
				}
				acc, err := p.AcceptSecContext()
				if err != nil {
					b.Fatal(err)
				}
				t1, err := init.Continue(nil)
				if err != nil {
					b.Fatal(err)
				}
				t2, err := acc.Continue(t1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := init.Continue(t2); err != nil {
					b.Fatal(err)
				}
				init.Close()
				acc.Close()
			}
		})
		b.Run("SPNEGO/"+pv.name, func(b *testing.B) {
			for b.Loop() {
				client, err := negotiate.NewClient(target, negotiate.Config{Provider: p})
				if err != nil {
					b.Fatal(err)
				}
				server, err := negotiate.NewServer(negotiate.Config{Provider: p})
				if err != nil {
					b.Fatal(err)
				}
				var in []byte
				for client.ContinueNeeded() || in == nil {
					out, err := client.Continue(in)
					if err != nil {
						b.Fatal(err)
					}
					if out == nil {
						break
					}
					if in, err = server.Continue(out); err != nil {
						b.Fatal(err)
					}
					if in == nil {
						break
					}
				}
				client.Close()
				server.Close()
			}
		})
	}
}

// BenchmarkGetMIC: a 64-byte MIC on an established context.
func BenchmarkGetMIC(b *testing.B) {
	r := testrealm.Shared(b)
	msg := make([]byte, 64)
	for _, pv := range []struct {
		name string
		p    gss.Provider
	}{{"PureGo", kerberos.NewProvider()}, {"MIT", gssapi_unix.New()}} {
		p := pv.p
		b.Run(pv.name, func(b *testing.B) {
			target, _ := p.ImportName(hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService)
			init, _ := p.InitSecContext(target, gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
			acc, _ := p.AcceptSecContext()
			t1, _ := init.Continue(nil)
			t2, _ := acc.Continue(t1)
			if _, err := init.Continue(t2); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := init.GetMIC(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
