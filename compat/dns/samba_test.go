//go:build linux

package dnsgss_test

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	dnsgss "github.com/gssnego/gssnego/compat/dns"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sambadc"
)

const sambaZone = sambadc.DNSDomain + "."

// startSambaDNS starts a DC with its internal DNS server on (the harness
// turns it off by default) and exposes port 53 of its namespace on a free
// host port: Samba's DNS binds the fixed port 53, so the test chooses the
// host side of a forwarder, not Samba's port.
func startSambaDNS(t *testing.T) (*sambadc.DC, string) {
	t.Helper()
	if heimdal {
		t.Skip("Heimdal build: the test switches krb5.conf mid-process; run by the MIT build")
	}
	d := sambadc.Start(t, "server services = +dns")
	return d, d.Forward(t, 53)
}

// sambaQuery asks the DC's DNS management RPC (samba-tool dns query, a
// path that is not the DNS protocol) for name's A records.
func sambaQuery(t *testing.T, d *sambadc.DC, name string) string {
	t.Helper()
	out, err := d.Command("samba-tool", "dns", "query", "127.0.0.1", sambadc.DNSDomain, name, "A",
		"-U", "Administrator%"+d.AdminPassword, "-s", d.SmbConf).CombinedOutput()
	if err != nil {
		return "error: " + err.Error() + ": " + string(out)
	}
	return string(out)
}

func TestSambaDNS(t *testing.T) {
	d, addr := startSambaDNS(t)
	const pw = "Bob-Pa55word-1"
	d.AddUser(t, "bob", pw)
	d.Kinit(t, "bob", pw, "")
	d.Setenv(t)
	target := "DNS@" + sambadc.HostName + "." + sambadc.DNSDomain
	ctx := context.Background()
	t.Run("user", func(t *testing.T) {
		c, err := dnsgss.NewClient(addr, dnsgss.WithTarget(target), dnsgss.WithProvider(lab.Provider(t)))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Exchange(ctx, aUpdate(sambaZone, "bobhost."+sambaZone, "192.0.2.77")); err != nil {
			t.Fatalf("update as bob: %v", err)
		}
		if out := sambaQuery(t, d, "bobhost"); !strings.Contains(out, "192.0.2.77") {
			t.Fatalf("samba-tool dns query:\n%s", out)
		}
	})
	// Samba 4.17 writes "gss-tsig" as the TSIG algorithm of its answers
	// but signs the variables with the key's own name, gss.microsoft.com
	// here: the Client tries that form when the written one fails.
	t.Run("microsoft-alg", func(t *testing.T) {
		c, err := dnsgss.NewClient(addr, dnsgss.WithTarget(target), dnsgss.WithProvider(lab.Provider(t)),
			dnsgss.WithAlgorithm(dnsgss.AlgMicrosoft))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Exchange(ctx, aUpdate(sambaZone, "bobhost2."+sambaZone, "192.0.2.78")); err != nil {
			t.Fatalf("update as bob with gss.microsoft.com: %v", err)
		}
		if out := sambaQuery(t, d, "bobhost2"); !strings.Contains(out, "192.0.2.78") {
			t.Fatalf("samba-tool dns query:\n%s", out)
		}
	})
	// Samba's DNS accepts the raw Kerberos token too (gensec starts the
	// mechanism the token names), not only SPNEGO.
	t.Run("krb5", func(t *testing.T) {
		c, err := dnsgss.NewClient(addr, dnsgss.WithTarget(target), dnsgss.WithProvider(lab.Provider(t)),
			dnsgss.WithMechanism(dnsgss.Kerberos))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Exchange(ctx, aUpdate(sambaZone, "bobhost3."+sambaZone, "192.0.2.79")); err != nil {
			t.Fatalf("update as bob, raw Kerberos: %v", err)
		}
		if out := sambaQuery(t, d, "bobhost3"); !strings.Contains(out, "192.0.2.79") {
			t.Fatalf("samba-tool dns query:\n%s", out)
		}
	})
	t.Run("machine", func(t *testing.T) {
		out, err := d.Command("samba-tool", "computer", "create", "M1", "-s", d.SmbConf).CombinedOutput()
		if err != nil {
			t.Fatalf("samba-tool computer create: %v: %s", err, out)
		}
		const machinePw = "M1-Machine-Pa55word-1"
		if out, err := d.Command("samba-tool", "user", "setpassword", "M1$", "--newpassword="+machinePw, "-s", d.SmbConf).CombinedOutput(); err != nil {
			t.Fatalf("samba-tool user setpassword M1$: %v: %s", err, out)
		}
		p := lab.Provider(t)
		n, err := p.ImportName("M1$@"+sambadc.Realm, gss.NameKerberosPrincipal)
		if err != nil {
			t.Fatal(err)
		}
		defer n.Release()
		cred, err := p.AcquireCredential(n, nil, gss.CredInitiateOnly, gss.WithPassword(machinePw))
		if err != nil {
			t.Fatalf("machine credential: %v", err)
		}
		defer cred.Release()
		c, err := dnsgss.NewClient(addr, dnsgss.WithTarget(target), dnsgss.WithProvider(p), dnsgss.WithCredential(cred))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Exchange(ctx, aUpdate(sambaZone, "m1."+sambaZone, "192.0.2.31")); err != nil {
			t.Fatalf("update as M1$: %v", err)
		}
		if out := sambaQuery(t, d, "m1"); !strings.Contains(out, "192.0.2.31") {
			t.Fatalf("samba-tool dns query:\n%s", out)
		}
	})
	t.Run("unsigned-refused", func(t *testing.T) {
		m := aUpdate(sambaZone, "anon."+sambaZone, "192.0.2.99")
		r, _, err := (&dns.Client{Net: "tcp"}).Exchange(m, addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode != dns.RcodeRefused {
			t.Fatalf("unsigned update: %s, want REFUSED", dns.RcodeToString[r.Rcode])
		}
		if out := sambaQuery(t, d, "anon"); strings.Contains(out, "192.0.2.99") {
			t.Fatalf("unsigned update applied:\n%s", out)
		}
	})
}
