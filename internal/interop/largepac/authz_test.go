//go:build linux

package largepac

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/kerberos"
)

// tokenGroupsScript prints a user's SID and tokenGroups as JSON.
const tokenGroupsScript = `import sys, json
import ldb
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

// TestLargePACAuthz: for the user in 5900 groups, the group SIDs MIT (or
// Heimdal) and the pure-Go provider decode from the PAC are Samba's
// tokenGroups of the user (BUILTIN groups and the asserted-identity SID
// aside, docs/authz.md), and the PAC verifies.
func TestLargePACAuthz(t *testing.T) {
	d, p := needDC(t)
	u := userIn(t, NearLimitGroups)
	out, err := d.Command("python3", "-c", tokenGroupsScript, d.SmbConf, u.Name).Output()
	require.NoError(t, err)
	var dir struct {
		SID         string   `json:"sid"`
		TokenGroups []string `json:"tokenGroups"`
	}
	require.NoError(t, json.Unmarshal(out, &dir))
	want := slices.DeleteFunc(dir.TokenGroups, func(s string) bool { return strings.HasPrefix(s, "S-1-5-32-") })
	require.GreaterOrEqual(t, len(want), NearLimitGroups)
	for name, acc := range map[string]gss.Provider{p.Name(): p, "kerberos": kerberos.NewProvider()} {
		t.Run(name, func(t *testing.T) {
			cred := credOf(t, p, u)
			ic, err := p.InitSecContext(target(t, p), gss.WithMech(gss.MechKRB5), gss.WithInitiatorCredential(cred))
			require.NoError(t, err)
			defer ic.Close()
			acred, err := acc.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(keytab))
			require.NoError(t, err)
			defer acred.Release()
			ac, err := acc.AcceptSecContext(gss.WithAcceptorCredential(acred))
			require.NoError(t, err)
			defer ac.Close()
			tok, err := ic.Continue(nil)
			require.NoError(t, err)
			_, err = ac.Continue(tok)
			require.NoError(t, err)
			a, err := gss.InquireAuthz(ac)
			require.NoError(t, err)
			require.NotNil(t, a)
			assert.True(t, a.Verified)
			assert.Equal(t, dir.SID, a.UserSID)
			got := slices.DeleteFunc(slices.Clone(a.GroupSIDs), func(s string) bool { return strings.HasPrefix(s, "S-1-18-") })
			assert.ElementsMatch(t, want, got)
			t.Logf("%s: %d group SIDs from a %d-byte PAC, verified by %s", name, len(a.GroupSIDs), len(a.Raw), a.VerifiedBy)
		})
	}
}
