//go:build linux

package largepac

import (
	"fmt"
	"os"
	"path/filepath"
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
	Import time.Duration // how long creating the user and its groups (one LDIF import) took
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
	start := time.Now()
	d.AddUserInGroups(tb, u.Name, password, n) // nested under √n direct groups, spread over √n OUs
	u.Import = time.Since(start)
	u.CCache = "FILE:" + filepath.Join(d.Dir, "ccache-"+u.Name)
	d.Kinit(tb, u.Name, password, u.CCache)
	tb.Logf("largepac: %s in %d groups: LDIF import %v", u.Name, n, u.Import.Round(time.Millisecond))
	users[n] = u
	return u
}
