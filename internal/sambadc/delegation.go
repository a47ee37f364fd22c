package sambadc

import (
	"os"
	"path/filepath"
	"testing"
)

// Delegation runs `samba-tool delegation ARGS` against the DC, e.g.
// ("add-service", account, "HTTP/back.samdom.test") for constrained
// delegation (msDS-AllowedToDelegateTo), ("for-any-protocol", account, "on")
// for protocol transition (TRUSTED_TO_AUTH_FOR_DELEGATION), or
// ("add-principal", targetAccount, account) for resource-based delegation
// (msDS-AllowedToActOnBehalfOfOtherIdentity on the target).
func (d *DC) Delegation(tb testing.TB, args ...string) string {
	tb.Helper()
	return d.run(tb, "samba-tool", append(append([]string{"delegation"}, args...), "-s", d.SmbConf)...)
}

// ExportAccountKeys writes the keys of account's own principal
// (account@REALM, the name a service kinits as: AD gives no TGT to an SPN)
// into a new keytab and returns its plain path.
func (d *DC) ExportAccountKeys(tb testing.TB, account string) string {
	tb.Helper()
	kt := filepath.Join(d.Dir, "keytabs", account+".self.keytab")
	d.run(tb, "samba-tool", "domain", "exportkeytab", kt, "--principal="+account, "-s", d.SmbConf)
	if err := os.Chmod(kt, 0o644); err != nil {
		tb.Fatal(err)
	}
	return kt
}

// setSensitiveScript sets UF_NOT_DELEGATED ("Account is sensitive and
// cannot be delegated") on a user.
const setSensitiveScript = `import sys
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba import dsdb
conf, account = sys.argv[1:3]
lp = LoadParm()
lp.load(conf)
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
db.toggle_userAccountFlags("(sAMAccountName=%s)" % account, dsdb.UF_NOT_DELEGATED, "UF_NOT_DELEGATED", on=True)
`

// SetSensitive marks user "sensitive and cannot be delegated"
// (userAccountControl NOT_DELEGATED): the KDC then issues no forwardable
// ticket for the user, so neither a forwarded TGT nor S4U2Proxy can act
// as them.
func (d *DC) SetSensitive(tb testing.TB, user string) {
	tb.Helper()
	d.run(tb, "python3", "-c", setSensitiveScript, d.SmbConf, user)
}
