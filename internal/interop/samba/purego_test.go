//go:build linux

package samba

import (
	"fmt"
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

// Tickets from Samba AD for the pure-Go provider (kerberos/), chosen
// explicitly whatever this build's platform provider is: an RC4-only
// service account and a user in many groups (a large PAC).
const (
	rc4Host    = "rc4svc.samdom.test"
	bigPACUser = "erin"
	bigPACPass = "Erin-Pa55word-1"
	bigGroups  = 300
)

// rc4OnlyScript sets msDS-SupportedEncryptionTypes = 4 (RC4-HMAC only) on
// an account: its tickets and session keys are then RC4.
const rc4OnlyScript = `import sys
import ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
conf, account = sys.argv[1:3]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                expression="(sAMAccountName=%s)" % ldb.binary_encode(account), attrs=[])
m = ldb.Message(res[0].dn)
m["msDS-SupportedEncryptionTypes"] = ldb.MessageElement("4", ldb.FLAG_MOD_REPLACE, "msDS-SupportedEncryptionTypes")
db.modify(m)
`

// manyGroupsScript creates a user in n new groups, in one transaction.
const manyGroupsScript = `import sys
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
conf, user, password, n = sys.argv[1:5]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
db.newuser(user, password)
db.transaction_start()
for i in range(int(n)):
    g = "%s-grp-%03d" % (user, i)
    db.newgroup(g)
    db.add_remove_group_members(g, [user], add_members_operation=True)
db.transaction_commit()
`

func runSamba(t *testing.T, d *sambadc.DC, args ...string) {
	t.Helper()
	out, err := d.Command("python3", args...).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// pureGoPair runs one SPNEGO exchange of the engine, both sides over the
// pure-Go provider, and returns both engines and the tokens.
func pureGoPair(t *testing.T, p gss.Provider, initCred, accCred gss.Credential, host string) (*negotiate.Client, *negotiate.Server, [][]byte) {
	t.Helper()
	name, err := p.ImportName("HTTP@"+host, gss.NameHostBasedService)
	require.NoError(t, err)
	t.Cleanup(func() { name.Release() })
	c, err := negotiate.NewClient(name, negotiate.Config{Provider: p, Credential: initCred})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	s, err := negotiate.NewServer(negotiate.Config{Provider: p, Credential: accCred})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	r := mitm.Run(c, s, mitm.None)
	require.NoError(t, r.InitErr)
	require.NoError(t, r.AccErr)
	for _, rec := range []negotiate.Record{c.Record(), s.Record()} {
		v := rec.Transcript.Verdict
		require.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
	}
	return c, s, r.Tokens
}

// TestPureGoSambaRC4OnlyService: a service account limited to RC4 by
// msDS-SupportedEncryptionTypes, its keytab exported by Samba: bob's ticket
// for it is RC4 (the verdict's ticket etype, seen on both sides), the
// pure-Go acceptor decrypts it with the exported RC4 key, and MIC and wrap
// tokens work both ways (the per-message key is the one RFC 4537
// negotiation gives, as with MIT); Samba's own acceptor accepts the
// pure-Go initiator's AP-REQ with that RC4 ticket too.
func TestPureGoSambaRC4OnlyService(t *testing.T) {
	d, _ := needDC(t)
	spn := "HTTP/" + rc4Host
	kt := d.AddService(t, spn, false)
	runSamba(t, d, "-c", rc4OnlyScript, d.SmbConf, sambadc.ServiceAccount(spn))
	p := kerberos.NewProvider()
	acc, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(kt))
	require.NoError(t, err)
	t.Cleanup(func() { acc.Release() })

	c, s, _ := pureGoPair(t, p, nil, acc, rc4Host)
	for _, rec := range []negotiate.Record{c.Record(), s.Record()} {
		assert.Equal(t, gss.EnctypeRC4HMAC, rec.Transcript.Verdict.Etype.Ticket, "an RC4 ticket")
	}
	info, err := s.Inquire()
	require.NoError(t, err)
	assert.Equal(t, d.Principal(user), info.InitiatorName)
	t.Logf("RC4 ticket; session key %v, per-message key %v", c.Record().Transcript.Verdict.Etype.Session, info.SessionKeyEnctype)
	mic, err := c.GetMIC([]byte("rc4"))
	require.NoError(t, err)
	require.NoError(t, s.VerifyMIC([]byte("rc4"), mic))
	w, conf, err := s.Wrap([]byte("sealed by the acceptor"), true)
	require.NoError(t, err)
	require.True(t, conf)
	plain, _, err := c.Unwrap(w)
	require.NoError(t, err)
	assert.Equal(t, "sealed by the acceptor", string(plain))

	t.Run("SambaAcceptor", func(t *testing.T) {
		sa := &sambaPeer{h: d.SpnegoAcceptor(t, kt)}
		name, err := p.ImportName("HTTP@"+rc4Host, gss.NameHostBasedService)
		require.NoError(t, err)
		defer name.Release()
		cl, err := negotiate.NewClient(name, negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer cl.Close()
		r := mitm.Run(cl, sa, mitm.None)
		require.NoError(t, r.InitErr)
		require.NoError(t, r.AccErr)
		assert.Equal(t, sambadc.Domain+`\`+user, sa.result)
		assert.Equal(t, gss.EnctypeRC4HMAC, cl.Record().Transcript.Verdict.Etype.Ticket, "an RC4 ticket")
	})
}

// TestPureGoSambaLargePAC: a user in 300 groups logs in with the pure-Go
// provider's password exchange against Samba's KDC (PA-ENC-TIMESTAMP with
// the salt AD gives); her service ticket carries a PAC that makes the
// AP-REQ several kilobytes, and both the pure-Go acceptor and Samba's
// accept it.
func TestPureGoSambaLargePAC(t *testing.T) {
	d, _ := needDC(t)
	runSamba(t, d, "-c", manyGroupsScript, d.SmbConf, bigPACUser, bigPACPass, fmt.Sprint(bigGroups))
	p := kerberos.NewProvider()
	who, err := p.ImportName(d.Principal(bigPACUser), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer who.Release()
	cred, err := p.AcquireCredential(who, nil, gss.CredInitiateOnly, gss.WithPassword(bigPACPass))
	require.NoError(t, err)
	t.Cleanup(func() { cred.Release() })
	acc, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(keytab))
	require.NoError(t, err)
	t.Cleanup(func() { acc.Release() })

	_, s, tokens := pureGoPair(t, p, cred, acc, svcHost)
	info, err := s.Inquire()
	require.NoError(t, err)
	assert.Equal(t, d.Principal(bigPACUser), info.InitiatorName)
	// Each group adds a 8-byte GROUP_MEMBERSHIP (RID, attributes) to the
	// PAC's logon info, encrypted in the ticket.
	assert.Greater(t, len(tokens[0]), 1000+8*bigGroups, "the AP-REQ carries the large PAC")
	t.Logf("AP-REQ with %d groups: %d bytes", bigGroups, len(tokens[0]))

	t.Run("SambaAcceptor", func(t *testing.T) {
		sa := &sambaPeer{h: d.SpnegoAcceptor(t, keytab)}
		name, err := p.ImportName("HTTP@"+svcHost, gss.NameHostBasedService)
		require.NoError(t, err)
		defer name.Release()
		cl, err := negotiate.NewClient(name, negotiate.Config{Provider: p, Credential: cred})
		require.NoError(t, err)
		defer cl.Close()
		r := mitm.Run(cl, sa, mitm.None)
		require.NoError(t, r.InitErr)
		require.NoError(t, r.AccErr)
		assert.True(t, strings.EqualFold(sambadc.Domain+`\`+bigPACUser, sa.result), sa.result)
	})
}
