//go:build !windows

package kerberos_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// startNamed runs BIND's named on a loopback port, unprivileged in a temp
// dir, serving zone (the text of a master file) for origin, and returns a
// resolver that asks it and nothing else.
func startNamed(t *testing.T, origin, zone string) *net.Resolver {
	t.Helper()
	named := lab.NeedCommand(t, "named")[0]
	dir := t.TempDir()
	port, err := lab.ReservePort(true)
	require.NoError(t, err)
	defer port.Release()
	conf := fmt.Sprintf(`options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
};
controls { };
zone "%[3]s" { type primary; file "%[1]s/zone.db"; };
`, dir, port.Num, origin)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "named.conf"), []byte(conf), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zone.db"), []byte(zone), 0o644))
	cmd := exec.Command(named, "-g", "-4", "-c", filepath.Join(dir, "named.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(dir, "named.log"))
	require.NoError(t, err)
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	port.Release()
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { lab.StopServer(cmd, exited, syscall.SIGTERM, 3*time.Second) })
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, port.Addr())
	}}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := res.LookupHost(ctx, "ns."+origin)
		cancel()
		if err == nil {
			return res
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "named.log"))
			t.Fatalf("named exited: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "named.log"))
			t.Fatalf("named does not answer on %s: %v\n%s", port.Addr(), err, log)
		}
	}
}

// kdcFreeConf writes a copy of the realm's krb5.conf whose realm has no
// kdc entry, with dns_lookup_kdc set to dnsLookup ("" leaves it out, so
// MIT's default holds) and extra [libdefaults] lines.
func kdcFreeConf(t *testing.T, r *testrealm.Realm, dnsLookup string, extra ...string) string {
	t.Helper()
	b, err := os.ReadFile(r.Krb5Conf)
	require.NoError(t, err)
	conf := string(b)
	require.Contains(t, conf, "kdc = "+r.KDCAddr)
	conf = strings.Replace(conf, "kdc = "+r.KDCAddr, "", 1)
	line := ""
	if dnsLookup != "" {
		line = "dns_lookup_kdc = " + dnsLookup
	}
	conf = strings.Replace(conf, "dns_lookup_kdc = false", line, 1)
	// The lab realm is TCP-only; here UDP is preferred as by default
	// unless extra says otherwise.
	conf = strings.Replace(conf, "udp_preference_limit = 1\n", "\n", 1)
	if len(extra) > 0 {
		conf = strings.Replace(conf, "[libdefaults]\n", "[libdefaults]\n\t"+strings.Join(extra, "\n\t")+"\n", 1)
	}
	path := filepath.Join(t.TempDir(), "krb5.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	return path
}

// TestPureGoDNSLookupKDC: with no kdc entry for the realm, the KDC is found
// through the SRV records _kerberos._udp/_tcp.REALM as MIT's dns_lookup_kdc
// does, asked of a real DNS server (BIND) on loopback through
// Provider.SetResolver; the KDC's host name in the SRV target is resolved
// by the same resolver.
func TestPureGoDNSLookupKDC(t *testing.T) {
	r := testrealm.Shared(t)
	_, kdcPort, err := net.SplitHostPort(r.KDCAddr)
	require.NoError(t, err)
	zone := fmt.Sprintf(`$TTL 60
@	SOA	ns.%[1]s. admin.%[1]s. 1 60 60 60 60
@	NS	ns
ns	A	127.0.0.1
kdc1	A	127.0.0.1
_kerberos._udp	SRV	0 0 %[2]s kdc1
_kerberos._tcp	SRV	0 0 %[2]s kdc1
`, r.Name, kdcPort)
	res := startNamed(t, r.Name, zone)

	login := func(t *testing.T, conf string, ctx context.Context) error {
		return loginVia(t, r, res, conf, ctx)
	}
	for _, c := range []struct {
		name  string
		lines []string
	}{
		{"UDP", nil}, // _kerberos._udp first
		{"TCP", []string{"udp_preference_limit = 1"}}, // only _kerberos._tcp
	} {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, login(t, kdcFreeConf(t, r, "true", c.lines...), context.Background()))
		})
	}
	t.Run("UDPRecordOnly", func(t *testing.T) {
		// Only _kerberos._udp: UDP reaches the KDC, a TCP-only
		// configuration finds no KDC to ask.
		udpOnly := startNamed(t, r.Name, strings.Replace(zone, "_kerberos._tcp", "; _kerberos._tcp", 1))
		require.NoError(t, loginVia(t, r, udpOnly, kdcFreeConf(t, r, "true"), context.Background()))
		err := loginVia(t, r, udpOnly, kdcFreeConf(t, r, "true", "udp_preference_limit = 1"), context.Background())
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
	})
	t.Run("MITDefault", func(t *testing.T) {
		// dns_lookup_kdc absent: MIT's default (dns_fallback, true) holds.
		require.NoError(t, login(t, kdcFreeConf(t, r, ""), context.Background()))
	})
	t.Run("DNSFallbackFalse", func(t *testing.T) {
		err := login(t, kdcFreeConf(t, r, "", "dns_fallback = false"), context.Background())
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
	})
	t.Run("Disabled", func(t *testing.T) {
		err := login(t, kdcFreeConf(t, r, "false"), context.Background())
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
		assert.Contains(t, fmt.Sprint(err), "dns_lookup_kdc is false")
	})
	t.Run("NoRecords", func(t *testing.T) {
		// A realm DNS knows nothing of.
		conf := kdcFreeConf(t, r, "true")
		t.Setenv("KRB5_CONFIG", conf)
		p := kerberos.NewProvider()
		p.SetResolver(res)
		user := importName(t, p, "alice@NOSRV.GSSNEGO.TEST", gss.NameKerberosPrincipal)
		_, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
		assert.Contains(t, fmt.Sprint(err), "_kerberos._udp")
	})
	t.Run("SilentDNSDeadline", func(t *testing.T) {
		// A DNS server that never answers: the lookup ends at the
		// caller's deadline.
		silent := testrealm.StartSilentKDC(t, true)
		t.Setenv("KRB5_CONFIG", kdcFreeConf(t, r, "true"))
		p := kerberos.NewProvider()
		p.SetResolver(&net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, silent.Addr)
		}})
		user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := p.AcquireCredentialContext(ctx, user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
		took := time.Since(start)
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable, "%v", err)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "%v", err)
		assert.Less(t, took, 2*time.Second, "the deadline holds")
	})
}

// loginVia logs in with a password, the realm's KDC found through res
// with krb5.conf conf, then gets a service ticket and completes a
// handshake with it.
func loginVia(t *testing.T, r *testrealm.Realm, res *net.Resolver, conf string, ctx context.Context) error {
	t.Helper()
	t.Setenv("KRB5_CONFIG", conf)
	p := kerberos.NewProvider()
	p.SetResolver(res)
	user := importName(t, p, r.Principal(r.User), gss.NameKerberosPrincipal)
	cred, err := p.AcquireCredentialContext(ctx, user, nil, gss.CredInitiateOnly, gss.WithPassword(r.Password))
	if err != nil {
		return err
	}
	defer cred.Release()
	init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
	rawHandshake(t, init, acceptor(t, p))
	return nil
}
