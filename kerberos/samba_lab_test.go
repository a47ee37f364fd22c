//go:build linux

package kerberos_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

// TestPureGoSambaAD: tickets from Samba's AD KDC that the MIT realm does
// not make: an account limited to rc4-hmac (msDS-SupportedEncryptionTypes
// = 4) and a user whose PAC lists thousands of groups, with keytabs
// written by samba-tool domain exportkeytab. The pure-Go provider is the
// initiator and the acceptor, under the SPNEGO engine.
func TestPureGoSambaAD(t *testing.T) {
	d := sambadc.Start(t)
	const password = "Purego-Pa55word-1"
	d.AddUser(t, "carol", password)
	// samba-tool's own keytab export, the file an AD admin hands a server.
	exportKeytab := func(t *testing.T, spn string) string {
		kt := filepath.Join(t.TempDir(), "exported.keytab")
		out, err := d.Command("samba-tool", "domain", "exportkeytab", kt, "--principal="+spn, "-s", d.SmbConf).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return "FILE:" + kt
	}
	engine := func(t *testing.T, ccache, host, keytab string) (*negotiate.Client, *negotiate.Server, [][]byte) {
		t.Setenv("KRB5CCNAME", ccache)
		p := kerberos.NewProvider()
		cred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(keytab))
		require.NoError(t, err)
		client, err := negotiate.NewClient(importName(t, p, "HTTP@"+host, gss.NameHostBasedService), negotiate.Config{Provider: p})
		require.NoError(t, err)
		t.Cleanup(func() { client.Close() })
		server, err := negotiate.NewServer(negotiate.Config{Provider: p, Credential: cred})
		require.NoError(t, err)
		t.Cleanup(func() { server.Close() })
		res := mitm.Run(client, server, mitm.None)
		require.NoError(t, res.InitErr)
		require.NoError(t, res.AccErr)
		require.Equal(t, negotiate.ResultOK, server.Record().Transcript.Verdict.Result, server.Record().Transcript.Verdict.Reason)
		info, err := server.Inquire()
		require.NoError(t, err)
		assert.Equal(t, d.Principal(strings.Split(filepath.Base(ccache), ".")[1]), info.InitiatorName)
		perMessage(t, client, server)
		return client, server, res.Tokens
	}

	t.Run("RC4OnlyAccount", func(t *testing.T) {
		host := "rc4.samdom.test"
		d.AddServiceEtypes(t, "HTTP/"+host, 4)
		keytab := exportKeytab(t, "HTTP/"+host)
		// rc4-hmac first, as a client that still prefers it: the RFC 4537
		// list then leaves the RC4 session key in place (no acceptor
		// subkey for RFC 4757 enctypes), so the tokens are RFC 4757.
		conf, err := os.ReadFile(d.Krb5Conf)
		require.NoError(t, err)
		rc4 := strings.Replace(string(conf), "[libdefaults]\n", `[libdefaults]
	allow_rc4 = true
	default_tgs_enctypes = arcfour-hmac aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
	default_tkt_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 arcfour-hmac
	permitted_enctypes = arcfour-hmac aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
`, 1)
		path := filepath.Join(t.TempDir(), "krb5-rc4.conf")
		require.NoError(t, os.WriteFile(path, []byte(rc4), 0o644))
		t.Setenv("KRB5_CONFIG", path)
		cc := "FILE:" + filepath.Join(t.TempDir(), "cc.carol")
		d.Kinit(t, "carol", password, cc)
		client, server, _ := engine(t, cc, host, keytab)
		for _, c := range []gss.SecContext{client, server} {
			info, err := c.Inquire()
			require.NoError(t, err)
			assert.Equal(t, gss.EnctypeRC4HMAC, info.SessionKeyEnctype)
		}
		mic, err := client.GetMIC([]byte("x"))
		require.NoError(t, err)
		assert.Len(t, mic, 37, "GSS-framed RFC 4757 MIC")
	})

	t.Run("HostOutsideRealmDomain", func(t *testing.T) {
		// A service whose host is in a DNS domain no domain_realm entry
		// maps (AD's common case: hosts named outside the AD domain): the
		// client asks its own realm's KDC with canonicalize, which knows
		// the SPN.
		host := "web.elsewhere.test"
		d.AddService(t, "HTTP/"+host, true)
		keytab := exportKeytab(t, "HTTP/"+host)
		t.Setenv("KRB5_CONFIG", d.Krb5Conf)
		cc := "FILE:" + filepath.Join(t.TempDir(), "cc.carol")
		d.Kinit(t, "carol", password, cc)
		client, _, _ := engine(t, cc, host, keytab)
		info, err := client.Inquire()
		require.NoError(t, err)
		assert.Equal(t, "HTTP/"+host+"@"+sambadc.Realm, info.AcceptorName)
		// An unknown host there: the KDC does not know it, the fallback
		// realm ELSEWHERE.TEST has no trust, and the error names the
		// service asked for.
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP@nosuch.elsewhere.test", gss.NameHostBasedService))
		_, err = init.Continue(nil)
		assert.ErrorIs(t, err, gss.ErrServiceUnknown, "%v", err)
		assert.Contains(t, fmt.Sprint(err), "HTTP/nosuch.elsewhere.test@"+sambadc.Realm)
	})
	t.Run("LargePAC", func(t *testing.T) {
		host := "pac.samdom.test"
		d.AddService(t, "HTTP/"+host, true)
		keytab := exportKeytab(t, "HTTP/"+host)
		d.AddUserInGroups(t, "dave", password, 2000)
		t.Setenv("KRB5_CONFIG", d.Krb5Conf)
		cc := "FILE:" + filepath.Join(t.TempDir(), "cc.dave")
		d.Kinit(t, "dave", password, cc)
		_, _, toks := engine(t, cc, host, keytab)
		// 2000 group RIDs of 8 bytes, in the ticket's PAC.
		assert.Greater(t, len(toks[0]), 16000, "NegTokenInit with the AP-REQ")
		t.Logf("NegTokenInit with a PAC of 2000 groups: %d bytes", len(toks[0]))

		// A password login with UDP preferred (the lab's krb5.conf says TCP
		// only): the AS-REQ is small, the AS-REP with the PAC in its TGT is
		// not, and the login must end on TCP.
		conf, err := os.ReadFile(d.Krb5Conf)
		require.NoError(t, err)
		require.Contains(t, string(conf), "\tudp_preference_limit = 1\n")
		udp := filepath.Join(t.TempDir(), "krb5-udp.conf")
		require.NoError(t, os.WriteFile(udp, []byte(strings.Replace(string(conf), "\tudp_preference_limit = 1\n", "", 1)), 0o644))
		t.Setenv("KRB5_CONFIG", udp)
		p := kerberos.NewProvider()
		cred, err := p.AcquireCredential(importName(t, p, d.Principal("dave"), gss.NameKerberosPrincipal), nil, gss.CredInitiateOnly, gss.WithPassword(password))
		require.NoError(t, err)
		defer cred.Release()
		init := initiator(t, p, importName(t, p, "HTTP@"+host, gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
		acred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(keytab))
		require.NoError(t, err)
		rawHandshake(t, init, acceptor(t, p, gss.WithAcceptorCredential(acred)))
	})
}
