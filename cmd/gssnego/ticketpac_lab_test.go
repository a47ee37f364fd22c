//go:build linux

package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/pcaprec"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
)

// tokenGroupsScript prints the SID and tokenGroups of a user as Samba's
// directory computes them: the independent source the PAC is checked
// against.
const tokenGroupsScript = `import sys, json, ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba.ndr import ndr_unpack
from samba.dcerpc import security
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
dn = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
               expression="(sAMAccountName=%s)" % ldb.binary_encode(sys.argv[2]), attrs=[])[0].dn
r = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid", "tokenGroups"])[0]
sid = lambda v: str(ndr_unpack(security.dom_sid, v))
print(json.dumps({"sid": sid(r["objectSid"][0]), "tokenGroups": [sid(v) for v in r["tokenGroups"]]}))
`

// spnegoTokens runs one SPNEGO exchange between the pure-Go provider's
// initiator (ccache from the environment) and its acceptor on keytab,
// returning the tokens and what the acceptor's InquireAuthz says.
func spnegoTokens(t *testing.T, host, keytab string) ([][]byte, *gss.AuthzData) {
	t.Helper()
	p := kerberos.NewProvider()
	cred, err := p.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(keytab))
	require.NoError(t, err)
	n, err := p.ImportName("HTTP@"+host, gss.NameHostBasedService)
	require.NoError(t, err)
	defer n.Release()
	client, err := negotiate.NewClient(n, negotiate.Config{Provider: p})
	require.NoError(t, err)
	defer client.Close()
	server, err := negotiate.NewServer(negotiate.Config{Provider: p, Credential: cred})
	require.NoError(t, err)
	defer server.Close()
	res := mitm.Run(client, server, mitm.None)
	require.NoError(t, res.InitErr)
	require.NoError(t, res.AccErr)
	a, err := server.InquireAuthz()
	require.NoError(t, err)
	return res.Tokens, a
}

func hexArgs(toks [][]byte) []string {
	var s []string
	for _, b := range toks {
		s = append(s, hex.EncodeToString(b))
	}
	return s
}

// inspectTickets runs "gssnego inspect -json -keytab" on the tokens.
func inspectTickets(t *testing.T, keytab string, toks [][]byte) []ticketReport {
	t.Helper()
	code, out, errs := runCLI(t, "", append([]string{"inspect", "-json", "-keytab", keytab}, hexArgs(toks)...)...)
	require.Equal(t, 0, code, errs)
	var got struct {
		Tickets []ticketReport `json:"tickets"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	return got.Tickets
}

// TestInspectKeytabSambaPAC: a user in nested and domain-local groups gets
// a ticket from Samba's AD KDC; inspect -keytab (samba-tool's exported
// keytab) prints the group SIDs the acceptor's InquireAuthz gives, which
// are the directory's tokenGroups; a keytab with another kvno names the
// reason; audit -keytab over a tcpdump capture of the same tokens carried
// by HTTP prints the groups under the exchange.
func TestInspectKeytabSambaPAC(t *testing.T) {
	d := sambadc.Start(t)
	const password = "Inspect-Pa55word-1"
	const host = "inspect.samdom.test"
	d.AddUserInGroups(t, "dora", password, 5)
	// A domain-local group too: AD lists those as resource groups.
	for _, args := range [][]string{
		{"group", "add", "dora-printers", "--group-scope=Domain", "--group-type=Security"},
		{"group", "addmembers", "dora-printers", "dora"},
	} {
		out, err := d.Command("samba-tool", append(args, "-s", d.SmbConf)...).CombinedOutput()
		require.NoError(t, err, "samba-tool %v: %s", args, out)
	}
	d.AddService(t, "HTTP/"+host, true)
	kt := filepath.Join(t.TempDir(), "exported.keytab")
	out, err := d.Command("samba-tool", "domain", "exportkeytab", kt, "--principal=HTTP/"+host, "-s", d.SmbConf).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = d.Command("python3", "-c", tokenGroupsScript, d.SmbConf, "dora").Output()
	require.NoError(t, err, "tokenGroups script")
	var dir struct {
		SID         string   `json:"sid"`
		TokenGroups []string `json:"tokenGroups"`
	}
	require.NoError(t, json.Unmarshal(out, &dir), "%s", out)

	d.Setenv(t)
	cc := "FILE:" + filepath.Join(t.TempDir(), "cc.dora")
	d.Kinit(t, "dora", password, cc)
	t.Setenv("KRB5CCNAME", cc)
	toks, authz := spnegoTokens(t, host, "FILE:"+kt)
	require.NotNil(t, authz)
	noBuiltin := slices.DeleteFunc(slices.Clone(dir.TokenGroups), func(s string) bool { return strings.HasPrefix(s, "S-1-5-32-") })
	require.ElementsMatch(t, noBuiltin, slices.DeleteFunc(slices.Clone(authz.GroupSIDs), func(s string) bool { return strings.HasPrefix(s, "S-1-18-") }))

	t.Run("Groups", func(t *testing.T) {
		ts := inspectTickets(t, "FILE:"+kt, toks)
		require.Len(t, ts, 1)
		ti := ts[0]
		require.Empty(t, ti.Reason)
		assert.Equal(t, d.Principal("dora"), ti.Client)
		assert.Equal(t, "HTTP/"+host+"@"+d.Realm, ti.Service)
		require.True(t, ti.HasPAC)
		require.NotNil(t, ti.Authz)
		assert.True(t, ti.Authz.Verified, "server signature verified with the keytab's key")
		assert.Equal(t, dir.SID, ti.Authz.UserSID)
		assert.Equal(t, authz.GroupSIDs, ti.Authz.GroupSIDs, "exactly the acceptor's InquireAuthz groups, in order")
		assert.True(t, strings.EqualFold(ti.Authz.DNSDomain, sambadc.DNSDomain), ti.Authz.DNSDomain)

		code, human, errs := runCLI(t, "", append([]string{"inspect", "-keytab", "FILE:" + kt}, hexArgs(toks)...)...)
		require.Equal(t, 0, code, errs)
		assert.Contains(t, human, "client: "+d.Principal("dora"))
		assert.Contains(t, human, "PAC server signature: verified with the keytab's key")
		assert.Contains(t, human, "user SID: "+dir.SID)
		assert.Contains(t, human, "groups ("+strconv.Itoa(len(authz.GroupSIDs))+"): "+strings.Join(authz.GroupSIDs, " "))
	})

	t.Run("WrongEtype", func(t *testing.T) {
		// The exported keytab without its aes256 keys: the ticket's
		// enctype has no key.
		k, err := keytab.Load(kt)
		require.NoError(t, err)
		all := k.Entries
		k.Entries = nil
		for _, e := range all {
			if e.Key.KeyType != int32(gss.EnctypeAES256SHA1) {
				k.Entries = append(k.Entries, e)
			}
		}
		require.NotEmpty(t, k.Entries)
		b, err := k.Marshal()
		require.NoError(t, err)
		aes128 := filepath.Join(t.TempDir(), "aes128.keytab")
		require.NoError(t, os.WriteFile(aes128, b, 0o600))
		ts := inspectTickets(t, aes128, toks)
		require.Len(t, ts, 1)
		assert.Contains(t, ts[0].Reason, "of enctype aes256-cts-hmac-sha1-96")
		code, out, errs := runCLI(t, "", append([]string{"inspect", "-keytab", aes128}, hexArgs(toks)...)...)
		require.Equal(t, 0, code, errs)
		assert.Contains(t, out, "not read with -keytab: no key for HTTP/"+host+"@"+d.Realm+" kvno")
	})

	t.Run("WrongKVNO", func(t *testing.T) {
		// Rotating the account's password makes the exported keytab one
		// kvno too old for a new ticket.
		old := kt
		out, err := d.Command("samba-tool", "user", "setpassword", sambadc.ServiceAccount("HTTP/"+host), "--newpassword=Rotated-Pa55word-2", "-s", d.SmbConf).CombinedOutput()
		require.NoError(t, err, "%s", out)
		cc2 := "FILE:" + filepath.Join(t.TempDir(), "cc2.dora")
		d.Kinit(t, "dora", password, cc2)
		t.Setenv("KRB5CCNAME", cc2)
		fresh := filepath.Join(t.TempDir(), "fresh.keytab")
		out, err = d.Command("samba-tool", "domain", "exportkeytab", fresh, "--principal=HTTP/"+host, "-s", d.SmbConf).CombinedOutput()
		require.NoError(t, err, "%s", out)
		toks2, _ := spnegoTokens(t, host, "FILE:"+fresh)
		ts := inspectTickets(t, "FILE:"+old, toks2)
		require.Len(t, ts, 1)
		assert.Contains(t, ts[0].Reason, "kvno")
		assert.Contains(t, ts[0].Reason, "not found in keytab")
		assert.Nil(t, ts[0].Authz)
	})

	t.Run("MissingPrincipal", func(t *testing.T) {
		r := testrealm.Start(t)
		mitKT := strings.TrimPrefix(r.Keytab, "FILE:")
		ts := inspectTickets(t, mitKT, toks)
		require.Len(t, ts, 1)
		assert.Contains(t, ts[0].Reason, "no key for HTTP/"+host+"@"+d.Realm)
	})

	t.Run("Audit", func(t *testing.T) {
		// The same tokens carried by HTTP on loopback, captured by tcpdump.
		var mu sync.Mutex
		next := 0
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			next++ // the request carried toks[next-1]
			if next < len(toks) {
				w.Header().Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(toks[next]))
				next++
			}
			if next < len(toks) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		// An address of its own on loopback, so the capture holds this
		// exchange and the recorder's sync marker only.
		const addr = "127.0.0.87"
		ln, err := net.Listen("tcp", addr+":0")
		require.NoError(t, err)
		srv.Listener = ln
		srv.Start()
		defer srv.Close()
		rec := pcaprec.Start(t, t.TempDir(), "host "+addr)
		for i := 0; i < len(toks); i += 2 {
			req, err := http.NewRequest("GET", srv.URL+"/", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(toks[i]))
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
		}
		require.NoError(t, rec.Sync(addr))
		pcap := rec.Stop()
		code, out, errs := runCLI(t, "", "audit", "-keytab", "FILE:"+kt, pcap)
		require.Equal(t, 0, code, "%s\n%s", out, errs)
		assert.Contains(t, out, "client: "+d.Principal("dora"))
		assert.Contains(t, out, "groups ("+strconv.Itoa(len(authz.GroupSIDs))+"): "+strings.Join(authz.GroupSIDs, " "))
		code, out, errs = runCLI(t, "", "audit", "-json", "-keytab", "FILE:"+kt, pcap)
		require.Equal(t, 0, code, errs)
		var rep struct {
			Tickets []ticketReport `json:"tickets"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		require.Len(t, rep.Tickets, 1)
		require.NotNil(t, rep.Tickets[0].Authz)
		assert.Equal(t, authz.GroupSIDs, rep.Tickets[0].Authz.GroupSIDs)
	})
}

// TestInspectKeytabMITNoPAC: a ticket from the MIT KDC carries no PAC;
// inspect -keytab says so and exits 0.
func TestInspectKeytabMITNoPAC(t *testing.T) {
	r := testrealm.Start(t)
	r.Setenv(t)
	toks, authz := spnegoTokens(t, "localhost", r.Keytab)
	assert.Nil(t, authz)
	ts := inspectTickets(t, r.Keytab, toks)
	require.Len(t, ts, 1)
	assert.Empty(t, ts[0].Reason)
	assert.Equal(t, r.Principal(r.User), ts[0].Client)
	// MIT's KDC (1.20 on) may add a PAC without logon info: no account,
	// no groups either way.
	t.Logf("MIT ticket has a PAC: %v", ts[0].HasPAC)
	assert.Nil(t, ts[0].Authz)
	assert.Empty(t, ts[0].PACError)
	code, out, errs := runCLI(t, "", append([]string{"inspect", "-keytab", r.Keytab}, hexArgs(toks)...)...)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "  no PAC")
}
