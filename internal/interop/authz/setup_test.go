//go:build linux

package authz

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sambadc"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

const (
	svcHost  = "authz.samdom.test"
	password = "Authz-Pa55word-1"
)

// world is the directory the tests run against.
type world struct {
	dc     *sambadc.DC
	keytab string
	// Users and groups as Samba's directory reports them.
	Users  map[string]dirUser `json:"users"`
	Groups map[string]string  `json:"groups"` // name → SID
	ccache map[string]string
}

type dirUser struct {
	SID         string   `json:"sid"`
	TokenGroups []string `json:"tokenGroups"`
}

var (
	setup    sync.Once
	theWorld *world
)

func TestMain(m *testing.M) { os.Exit(sambadc.Main(m)) }

// groupsScript creates the users and groups and prints each user's SID
// and tokenGroups (the DSDB's transitive expansion, what the KDC also
// uses, but read through the directory, not from a ticket):
//
//	alice: member of web-admins (global) directly, of it-staff (global)
//	       through web-admins, of dl-printers (domain local) directly and
//	       of uni-all (universal) through it-staff
//	carol: no group beyond Domain Users
const groupsScript = `import sys, json
import ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba.ndr import ndr_unpack
from samba.dcerpc import security
from samba import dsdb
conf, password = sys.argv[1:3]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
for u in ("alice", "carol"):
    db.newuser(u, password)
db.newgroup("web-admins", grouptype=dsdb.GTYPE_SECURITY_GLOBAL_GROUP)
db.newgroup("it-staff", grouptype=dsdb.GTYPE_SECURITY_GLOBAL_GROUP)
db.newgroup("uni-all", grouptype=dsdb.GTYPE_SECURITY_UNIVERSAL_GROUP)
db.newgroup("dl-printers", grouptype=dsdb.GTYPE_SECURITY_DOMAIN_LOCAL_GROUP)
db.add_remove_group_members("web-admins", ["alice"], add_members_operation=True)
db.add_remove_group_members("it-staff", ["web-admins"], add_members_operation=True)
db.add_remove_group_members("uni-all", ["it-staff"], add_members_operation=True)
db.add_remove_group_members("dl-printers", ["alice"], add_members_operation=True)
def one(name, attrs):
    return db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                     expression="(sAMAccountName=%s)" % ldb.binary_encode(name), attrs=attrs)[0]
sid = lambda v: str(ndr_unpack(security.dom_sid, v))
out = {"users": {}, "groups": {}}
for u in ("alice", "carol"):
    dn = one(u, []).dn
    r = db.search(base=dn, scope=ldb.SCOPE_BASE, attrs=["objectSid", "tokenGroups"])[0]
    out["users"][u] = {"sid": sid(r["objectSid"][0]), "tokenGroups": [sid(v) for v in r["tokenGroups"]]}
for g in ("web-admins", "it-staff", "uni-all", "dl-printers", "Domain Users"):
    out["groups"][g] = sid(one(g, ["objectSid"])["objectSid"][0])
print(json.dumps(out))
`

// needWorld returns the DC with the users, groups and the AES-only HTTP
// service, and the platform provider.
func needWorld(tb testing.TB) (*world, gss.Provider) {
	tb.Helper()
	d := sambadc.Shared(tb)
	setup.Do(func() {
		w := &world{dc: d, ccache: map[string]string{}}
		w.keytab = d.AddService(tb, "HTTP/"+svcHost, true)
		out, err := d.Command("python3", "-c", groupsScript, d.SmbConf, password).Output()
		require.NoError(tb, err, "groups script")
		require.NoError(tb, json.Unmarshal(out, w), "groups script output %s", out)
		for u := range w.Users {
			w.ccache[u] = "FILE:" + filepath.Join(d.Dir, "ccache-"+u)
			d.Kinit(tb, u, password, w.ccache[u])
		}
		lab.SetProcessEnv(d.Env())
		theWorld = w
	})
	require.NotNil(tb, theWorld, "setup failed in an earlier test")
	return theWorld, lab.Provider(tb)
}
