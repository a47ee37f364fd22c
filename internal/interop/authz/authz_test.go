//go:build linux

package authz

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/kerberos"
)

// acceptors are the backends whose InquireAuthz is compared: the
// platform's (MIT, or Heimdal with -tags heimdal) and the pure-Go one.
// Without cgo the platform's provider is the pure-Go one: once is enough.
func acceptors(p gss.Provider) map[string]gss.Provider {
	if _, ok := p.(*kerberos.Provider); ok {
		return map[string]gss.Provider{"kerberos": p}
	}
	return map[string]gss.Provider{p.Name(): p, "kerberos": kerberos.NewProvider()}
}

// accept runs a raw krb5 exchange: user's ticket from the platform's
// initiator into acc's acceptor with the service keytab.
func accept(tb testing.TB, w *world, ini, acc gss.Provider, user string) gss.SecContext {
	tb.Helper()
	cred, err := ini.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(w.ccache[user]))
	require.NoError(tb, err)
	defer cred.Release()
	return acceptWith(tb, w, ini, acc, cred)
}

func acceptWith(tb testing.TB, w *world, ini, acc gss.Provider, cred gss.Credential) gss.SecContext {
	tb.Helper()
	name, err := ini.ImportName("HTTP@"+svcHost, gss.NameHostBasedService)
	require.NoError(tb, err)
	defer name.Release()
	ic, err := ini.InitSecContext(name, gss.WithMech(gss.MechKRB5), gss.WithInitiatorCredential(cred), gss.WithFlags(gss.FlagMutual))
	require.NoError(tb, err)
	defer ic.Close()
	acred, err := acc.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(w.keytab))
	require.NoError(tb, err)
	tb.Cleanup(func() { acred.Release() })
	ac, err := acc.AcceptSecContext(gss.WithAcceptorCredential(acred))
	require.NoError(tb, err)
	tb.Cleanup(func() { ac.Close() })
	tok, err := ic.Continue(nil)
	require.NoError(tb, err)
	for {
		out, err := ac.Continue(tok)
		require.NoError(tb, err, "accept")
		if len(out) > 0 {
			_, err = ic.Continue(out)
			require.NoError(tb, err, "initiator on the AP-REP")
		}
		if !ac.ContinueNeeded() {
			return ac
		}
	}
}

// assertedIdentity are the SIDs MS-PAC's KDC adds for how the client
// authenticated (S-1-18-1: by the authority, S-1-18-2: by a service);
// they are not group memberships and tokenGroups does not list them.
func withoutAsserted(sids []string) []string {
	return slices.DeleteFunc(slices.Clone(sids), func(s string) bool { return strings.HasPrefix(s, "S-1-18-") })
}

// withoutBuiltin drops the BUILTIN domain's groups (S-1-5-32-…, e.g.
// S-1-5-32-545 Users) from tokenGroups: they are local to each machine, so
// a KDC does not put them in the PAC; the server's own LSA adds them when
// it builds a Windows token.
func withoutBuiltin(sids []string) []string {
	return slices.DeleteFunc(slices.Clone(sids), func(s string) bool { return strings.HasPrefix(s, "S-1-5-32-") })
}

// TestAuthzGroupsEqualTokenGroups: the group SIDs every backend reports
// for a user in direct, nested, universal and domain-local groups are
// Samba's tokenGroups for that user, and the PAC was verified.
func TestAuthzGroupsEqualTokenGroups(t *testing.T) {
	w, p := needWorld(t)
	t.Logf("directory: %+v groups %v", w.Users, w.Groups)
	for accName, acc := range acceptors(p) {
		for _, user := range []string{"alice", "carol"} {
			t.Run(accName+"/"+user, func(t *testing.T) {
				ac := accept(t, w, p, acc, user)
				a, err := gss.InquireAuthz(ac)
				require.NoError(t, err)
				require.NotNil(t, a, "Samba's ticket has a PAC")
				t.Logf("%s: user %s primary %s groups %v upn %q dns %q name %s\\%s uac %#x verified %v by %q source %q",
					accName, a.UserSID, a.PrimaryGroupSID, a.GroupSIDs, a.UPN, a.DNSDomain, a.LogonDomain, a.LogonName,
					a.UserAccountControl, a.Verified, a.VerifiedBy, a.Source)
				dir := w.Users[user]
				assert.Equal(t, dir.SID, a.UserSID)
				assert.ElementsMatch(t, withoutBuiltin(dir.TokenGroups), withoutAsserted(a.GroupSIDs))
				assert.Equal(t, w.Groups["Domain Users"], a.PrimaryGroupSID)
				assert.True(t, a.Verified, "the server signature verifies")
				assert.NotEmpty(t, a.VerifiedBy)
				assert.Equal(t, user, a.LogonName)
				assert.Equal(t, "SAMDOM", a.LogonDomain)
				assert.Equal(t, user+"@samdom.test", strings.ToLower(a.UPN))
				assert.Equal(t, "SAMDOM.TEST", strings.ToUpper(a.DNSDomain))
				if user == "alice" {
					for _, g := range []string{"web-admins", "it-staff", "uni-all", "dl-printers"} {
						assert.True(t, a.HasSID(w.Groups[g]), "alice is in %s", g)
					}
				} else {
					assert.False(t, a.HasSID(w.Groups["web-admins"]))
				}
			})
		}
	}
}
