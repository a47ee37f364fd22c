package sambadc

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// groupsScript adds the LDIF on stdin to the DC's sam.ldb in one
// transaction, in one Python process whatever the number of entries.
const groupsScript = `import sys
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

// AddUserInGroups creates a domain user who is a member of n security
// groups, so the PAC of the user's tickets lists n group RIDs (a ticket
// of ~8 bytes per group more). The user is a direct member of ~√n groups,
// each of which the other groups contain (the KDC expands nesting), under
// an OU of the user's name spread over √n child OUs: Samba rewrites an
// object's whole backlink list for each new link, and a container slows
// as it fills, so n direct memberships in one container import in
// quadratic time.
func (d *DC) AddUserInGroups(tb testing.TB, name, password string, n int) {
	tb.Helper()
	d.AddUser(tb, name, password)
	base := "DC=" + strings.ReplaceAll(DNSDomain, ".", ",DC=")
	k := int(math.Ceil(math.Sqrt(float64(n))))
	var b strings.Builder
	ou := fmt.Sprintf("OU=%s,%s", name, base)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\n\n", ou)
	for j := 0; j < k; j++ {
		fmt.Fprintf(&b, "dn: OU=part%d,%s\nobjectClass: organizationalUnit\n\n", j, ou)
	}
	group := func(i int) string { return fmt.Sprintf("CN=%s-grp%05d,OU=part%d,%s", name, i, i%k, ou) }
	for i := 0; i < n; i++ {
		member := fmt.Sprintf("CN=%s,CN=Users,%s", name, base)
		if i >= k {
			member = group(i % k)
		}
		fmt.Fprintf(&b, "dn: %s\nobjectClass: group\nsAMAccountName: %s-grp%05d\nmember: %s\n\n", group(i), name, i, member)
	}
	cmd := d.Command("python3", "-c", groupsScript, d.SmbConf)
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("sambadc: LDIF import of %d groups for %s: %v: %s", n, name, err, out)
	}
}
