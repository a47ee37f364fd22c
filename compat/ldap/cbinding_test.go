//go:build linux

package ldapgss

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/slapd"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestSlapdChannelBindings runs LDAPS against slapd with `sasl-cbinding
// tls-endpoint`: cyrus-sasl hands the tls-server-end-point bindings to
// MIT's acceptor, which compares them with ours. Right bindings bind,
// wrong ones are refused, none at all are accepted.
func TestSlapdChannelBindings(t *testing.T) {
	r := testrealm.Shared(t)
	ldapService.Do(func() { r.AddService(t, "ldap/localhost") })
	s := slapd.Start(t, slapd.Config{Realm: r.Name, Env: r.Env(), TLS: true, CBinding: "tls-endpoint"})
	dialTLS := func(t *testing.T) (*ldap.Conn, *Conn, tls.ConnectionState) {
		raw, err := net.DialTimeout("tcp", s.LDAPSAddr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		tc := tls.Client(raw, &tls.Config{ServerName: s.Host, RootCAs: s.CertPool})
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake with slapd: %v", err)
		}
		sc := NewConn(tc)
		l := ldap.NewConn(sc, true)
		l.Start()
		l.SetTimeout(60 * time.Second)
		t.Cleanup(func() { l.Close() })
		return l, sc, tc.ConnectionState()
	}
	t.Run("right", func(t *testing.T) {
		l, sc, _ := dialTLS(t)
		c := newClient(t, WithConn(sc))
		if err := c.Bind(l, s.SPN(), ""); err != nil {
			t.Fatalf("bind: %v\n%s", err, s.LogTail(10))
		}
		if !c.tlsKnown || sc.Layer() != LayerNone {
			t.Fatalf("TLS seen %v, layer %v", c.tlsKnown, sc.Layer())
		}
		checkSession(t, l, s, "alice")
	})
	t.Run("go-ldap-DialURL", func(t *testing.T) {
		// The README's path: go-ldap dials, the state comes from it.
		l, err := ldap.DialURL("ldaps://"+s.LDAPSAddr, ldap.DialWithTLSConfig(&tls.Config{ServerName: s.Host, RootCAs: s.CertPool}))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		l.SetTimeout(60 * time.Second)
		cs, _ := l.TLSConnectionState()
		if err := l.GSSAPIBind(newClient(t, WithTLSConnectionState(cs)), s.SPN(), ""); err != nil {
			t.Fatalf("bind: %v\n%s", err, s.LogTail(10))
		}
		checkSession(t, l, s, "alice")
	})
	t.Run("wrong", func(t *testing.T) {
		l, _, cs := dialTLS(t)
		wrong := &gss.ChannelBindings{ApplicationData: append([]byte("tls-server-end-point:"), bytes.Repeat([]byte{0xAA}, 32)...)}
		be := wantBindError(t, newClient(t, WithTLSConnectionState(cs), WithChannelBindings(wrong)).Bind(l, s.SPN(), ""), StepServerReply, nil)
		var le *ldap.Error
		if !errors.As(be, &le) || le.ResultCode == ldap.ErrorNetwork {
			t.Fatalf("want slapd's refusal, got %v", be)
		}
	})
	t.Run("absent", func(t *testing.T) {
		// No bindings at all (a client that does not know about TLS):
		// MIT's acceptor compares bindings only when the initiator sent
		// some, so slapd accepts it. Stated here so a change shows.
		l, _, _ := dialTLS(t)
		if err := newClient(t).Bind(l, s.SPN(), ""); err != nil {
			t.Fatalf("slapd refused a bind without channel bindings (it accepted them when this was written): %v", err)
		}
		checkSession(t, l, s, "alice")
	})
}
