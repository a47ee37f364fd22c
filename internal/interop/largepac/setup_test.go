//go:build linux

package largepac

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sambadc"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

const (
	svcHost  = "pac.samdom.test"
	password = "Pac-Pa55word-1"
)

var (
	dc      *sambadc.DC // set by needDC
	setup   sync.Once
	keytab  string
	dcReady bool

	usersMu sync.Mutex
	users   = map[int]*pacUser{}
)

func TestMain(m *testing.M) { os.Exit(sambadc.Main(m)) }

// needDC returns the DC with the AES-only HTTP service whose keytab the
// servers use, the environment pointing at the DC (once, before any GSS
// call) and the platform provider.
func needDC(tb testing.TB) (*sambadc.DC, gss.Provider) {
	tb.Helper()
	dc = sambadc.Shared(tb)
	setup.Do(func() {
		keytab = dc.AddService(tb, "HTTP/"+svcHost, true)
		rc, err := os.MkdirTemp(dc.Dir, "rcache-")
		require.NoError(tb, err)
		lab.SetProcessEnv(append(dc.Env(), "KRB5_KTNAME=FILE:"+keytab, "KRB5RCACHEDIR="+rc))
		dcReady = true
	})
	require.True(tb, dcReady, "DC setup failed in an earlier test")
	p := lab.Provider(tb)
	return dc, p
}

// pacUser is a domain user in Groups groups with a TGT in CCache.
type pacUser struct {
	Name   string
	Groups int
	CCache string        // FILE:… holding the user's TGT
	Import time.Duration // how long the one LDIF import of the groups took
}

// importScript adds the LDIF on stdin to the DC's sam.ldb in one
// transaction: the same SamDB samba-tool opens, one Python process for
// any number of groups (samba-tool group add + addmembers would be two
// processes of ~0.3 s per group).
const importScript = `import sys
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
db.transaction_start()
try:
    db.add_ldif(sys.stdin.read())
except Exception:
    db.transaction_cancel()
    raise
db.transaction_commit()
`

// groupsLDIF creates n global security groups that user is a member of,
// directly or through nesting: k ≈ √n groups hold the user, and every
// other group holds one of those. The KDC expands nesting (tokenGroups),
// so the PAC lists all n. Why not n groups each holding the user: Samba
// keeps a linked attribute's backlinks (the user's memberOf) in the
// object's one record, so each membership rewrites all earlier ones and
// the import is quadratic (1000 groups 6 s, 5900 over 3 min here); with
// the tree no object has more than ~√n backlinks. The groups are spread
// over √n OUs for the same reason: the import slowed per group as one
// container filled (5900 groups in CN=Users: 40–80 s).
func groupsLDIF(user string, n int) string {
	var b strings.Builder
	base := "DC=samdom,DC=test"
	k := int(math.Ceil(math.Sqrt(float64(n))))
	ou := fmt.Sprintf("OU=%s,%s", user, base)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\n\n", ou)
	for j := 0; j < k; j++ {
		fmt.Fprintf(&b, "dn: OU=b%d,%s\nobjectClass: organizationalUnit\n\n", j, ou)
	}
	dn := func(i int) string { return fmt.Sprintf("CN=%s-g%04d,OU=b%d,%s", user, i, i%k, ou) }
	for i := 0; i < n; i++ {
		member := fmt.Sprintf("CN=%s,CN=Users,%s", user, base)
		if i >= k {
			member = dn(i % k)
		}
		fmt.Fprintf(&b, "dn: %s\nobjectClass: group\nsAMAccountName: %s-g%04d\nmember: %s\n\n", dn(i), user, i, member)
	}
	return b.String()
}

// userIn returns a user in n groups (created once per binary and n), with
// a TGT in its own ccache.
func userIn(tb testing.TB, n int) *pacUser {
	tb.Helper()
	d, _ := needDC(tb)
	usersMu.Lock()
	defer usersMu.Unlock()
	if u := users[n]; u != nil {
		return u
	}
	u := &pacUser{Name: fmt.Sprintf("pac%d", n), Groups: n}
	d.AddUser(tb, u.Name, password)
	start := time.Now()
	cmd := d.Command("python3", "-c", importScript, d.SmbConf)
	cmd.Stdin = strings.NewReader(groupsLDIF(u.Name, n))
	out, err := cmd.CombinedOutput()
	require.NoError(tb, err, "LDIF import of %d groups: %s", n, out)
	u.Import = time.Since(start)
	u.CCache = "FILE:" + filepath.Join(d.Dir, "ccache-"+u.Name)
	d.Kinit(tb, u.Name, password, u.CCache)
	tb.Logf("largepac: %s in %d groups: LDIF import %v", u.Name, n, u.Import.Round(time.Millisecond))
	users[n] = u
	return u
}
