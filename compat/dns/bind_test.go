//go:build linux

package dnsgss_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/miekg/dns"

	dnsgss "github.com/gssnego/gssnego/compat/dns"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/bind"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

const bindZone = "bind.gssnego.test."

// startBIND starts named for zone bind.gssnego.test with krb5-self
// (host/NAME may change NAME's A), krb5-subdomain (host/NAME may change
// names below NAME, within sub.<zone>) and alice restricted to
// users.<zone>.
func startBIND(t *testing.T) *bind.Server {
	t.Helper()
	r := dnsService(t)
	r.AddService(t, "host/m1."+bindZone[:len(bindZone)-1])
	r.AddService(t, "host/sub."+bindZone[:len(bindZone)-1])
	return bind.Start(t, bind.Config{
		Zone: bindZone, Env: r.Env(), Keytab: r.Keytab[len("FILE:"):],
		Policy: []string{
			"grant " + r.Name + " krb5-self . A",
			"grant " + r.Name + " krb5-subdomain sub." + bindZone + " ANY",
			"grant " + r.Principal("alice") + " subdomain users." + bindZone + " ANY",
		},
		Records: []string{"www IN A 192.0.2.80"},
	})
}

func bindClient(t *testing.T, s *bind.Server, opts ...dnsgss.Option) *dnsgss.Client {
	t.Helper()
	opts = append([]dnsgss.Option{dnsgss.WithTarget("DNS@localhost"), dnsgss.WithProvider(lab.Provider(t))}, opts...)
	c, err := dnsgss.NewClient(s.Addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// machineCred is a machine principal's credential: kinit -k from the
// realm's keytab into a cache of its own (Heimdal's GSSAPI cannot take a
// client keytab, so every build goes through a ccache).
func machineCred(t *testing.T, principal string) gss.Credential {
	t.Helper()
	r := testrealm.Shared(t)
	kinit, err := lab.LookPath("kinit")
	if err != nil {
		lab.Unavailable(t, "kinit: %v", err)
	}
	cc := "FILE:" + filepath.Join(t.TempDir(), "ccache")
	cmd := exec.Command(kinit, "-k", "-t", r.Keytab, "-c", cc, principal)
	cmd.Env = append(os.Environ(), r.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kinit -k %s: %v: %s", principal, err, out)
	}
	p := lab.Provider(t)
	n, err := p.ImportName(principal, gss.NameKerberosPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Release()
	cred, err := p.AcquireCredential(n, nil, gss.CredInitiateOnly, gss.WithCCache(cc))
	if err != nil {
		t.Fatalf("credential of %s: %v", principal, err)
	}
	t.Cleanup(func() { cred.Release() })
	return cred
}

func TestBIND(t *testing.T) {
	s := startBIND(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mech dnsgss.Mechanism
	}{{"krb5", dnsgss.Kerberos}, {"spnego", dnsgss.SPNEGO}} {
		t.Run("alice-"+tc.name, func(t *testing.T) {
			c := bindClient(t, s, dnsgss.WithMechanism(tc.mech))
			name := tc.name + ".users." + bindZone
			if _, err := c.Exchange(ctx, aUpdate(bindZone, name, "192.0.2.1")); err != nil {
				t.Fatalf("add: %v", err)
			}
			if got := s.Dig(t, name, "A"); !slices.Equal(got, []string{"192.0.2.1"}) {
				t.Fatalf("dig after add: %q", got)
			}
			// Change: delete the RRset and add the new address in one update.
			m := new(dns.Msg)
			m.SetUpdate(bindZone)
			m.RemoveRRset([]dns.RR{&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA}}})
			nw, _ := dns.NewRR(name + " 300 IN A 192.0.2.2")
			m.Insert([]dns.RR{nw})
			if _, err := c.Exchange(ctx, m); err != nil {
				t.Fatalf("change: %v", err)
			}
			if got := s.Dig(t, name, "A"); !slices.Equal(got, []string{"192.0.2.2"}) {
				t.Fatalf("dig after change: %q", got)
			}
			m = new(dns.Msg)
			m.SetUpdate(bindZone)
			m.RemoveName([]dns.RR{nw})
			if _, err := c.Exchange(ctx, m); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if got := s.Dig(t, name, "A"); len(got) != 0 {
				t.Fatalf("dig after delete: %q", got)
			}
			// Outside alice's subdomain: REFUSED, as a typed error.
			_, err := c.Exchange(ctx, aUpdate(bindZone, "www."+bindZone, "192.0.2.66"))
			var e *dnsgss.Error
			var re *dnsgss.RcodeError
			if !errors.As(err, &e) || e.Step != dnsgss.StepReply || !errors.As(err, &re) || re.Rcode != dns.RcodeRefused {
				t.Fatalf("update outside the policy: %v", err)
			}
			t.Logf("refused as expected: %v", err)
			if got := s.Dig(t, "www."+bindZone, "A"); !slices.Equal(got, []string{"192.0.2.80"}) {
				t.Fatalf("www changed: %q", got)
			}
		})
	}
	t.Run("krb5-self", func(t *testing.T) {
		c := bindClient(t, s, dnsgss.WithMechanism(dnsgss.Kerberos),
			dnsgss.WithCredential(machineCred(t, "host/m1.bind.gssnego.test@"+testrealm.Name)))
		if _, err := c.Exchange(ctx, aUpdate(bindZone, "m1."+bindZone, "192.0.2.11")); err != nil {
			t.Fatalf("own name: %v", err)
		}
		if got := s.Dig(t, "m1."+bindZone, "A"); !slices.Equal(got, []string{"192.0.2.11"}) {
			t.Fatalf("dig: %q", got)
		}
		_, err := c.Exchange(ctx, aUpdate(bindZone, "m2."+bindZone, "192.0.2.12"))
		if !errors.Is(err, &dnsgss.RcodeError{Rcode: dns.RcodeRefused}) {
			var re *dnsgss.RcodeError
			if !errors.As(err, &re) || re.Rcode != dns.RcodeRefused {
				t.Fatalf("another machine's name: %v", err)
			}
		}
	})
	t.Run("krb5-subdomain", func(t *testing.T) {
		c := bindClient(t, s, dnsgss.WithCredential(machineCred(t, "host/sub.bind.gssnego.test@"+testrealm.Name)))
		if _, err := c.Exchange(ctx, aUpdate(bindZone, "x.sub."+bindZone, "192.0.2.21")); err != nil {
			t.Fatalf("below its name: %v", err)
		}
		if got := s.Dig(t, "x.sub."+bindZone, "A"); !slices.Equal(got, []string{"192.0.2.21"}) {
			t.Fatalf("dig: %q", got)
		}
	})
}
