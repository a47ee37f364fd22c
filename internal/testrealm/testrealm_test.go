//go:build !windows

package testrealm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
)

// TestRealmIssuesTickets checks the realm end to end with MIT's own tools:
// alice has a TGT and a service ticket of each lab etype can be fetched.
func TestRealmIssuesTickets(t *testing.T) {
	r := Start(t)
	kvno := lab.NeedCommand(t, "kvno", "klist")
	for _, e := range LabEtypes {
		cmd := exec.Command(kvno[0], r.Principal(r.EtypeService(e)))
		cmd.Env = append(os.Environ(), r.Env()...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "kvno %s: %s", r.EtypeService(e), out)
	}
	cmd := exec.Command(kvno[1], "-e")
	cmd.Env = append(os.Environ(), r.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	listing := string(out)
	assert.Contains(t, listing, "krbtgt/"+Name+"@"+Name)
	for _, e := range LabEtypes {
		line := lineWith(listing, r.EtypeService(e))
		// klist -e prints "Etype (skey, tkt): <session>, <ticket>".
		assert.Contains(t, line+nextLine(listing, r.EtypeService(e)), e.String(), "service %s", r.EtypeService(e))
	}
}

func TestRestrictEnctypesRewritesConfig(t *testing.T) {
	r := Start(t)
	p := r.RestrictEnctypes(t, gss.EnctypeRC4HMAC)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Contains(t, string(b), "permitted_enctypes = arcfour-hmac\n")
	assert.NotContains(t, string(b), "permitted_enctypes = aes")
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func nextLine(s, sub string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, sub) && i+1 < len(lines) {
			return lines[i+1]
		}
	}
	return ""
}

// TestShortNameOnDottedHost: on a host whose name has a domain
// (weird-Host.example), MIT ≥ 1.19 qualifies host/localhost to
// host/localhost.example unless qualify_shortname is empty; the realm's
// krb5.conf must keep service tickets for host/localhost working there. The
// control, the same config without that line, shows the test can fail.
// Runs kvno in a UTS namespace (unshare -u, which needs root, like the
// Samba lab).
func TestShortNameOnDottedHost(t *testing.T) {
	r := Start(t)
	tools := lab.NeedCommand(t, "unshare", "kvno")
	if os.Geteuid() != 0 {
		lab.Unavailable(t, "unshare -u needs root")
	}
	kvnoOn := func(conf string) (string, error) {
		script := `hostname weird-Host.example && exec "$0" -S host localhost`
		cmd := exec.Command(tools[0], "-u", "sh", "-c", script, tools[1])
		cmd.Env = append(append(os.Environ(), r.Env()...), "KRB5_CONFIG="+conf)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := kvnoOn(r.Krb5Conf)
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "host/localhost@"+Name)

	b, err := os.ReadFile(r.Krb5Conf)
	require.NoError(t, err)
	require.Contains(t, string(b), "qualify_shortname = \"\"")
	control := filepath.Join(t.TempDir(), "krb5.conf")
	require.NoError(t, os.WriteFile(control, []byte(strings.Replace(string(b), "qualify_shortname = \"\"\n", "", 1)), 0o644))
	out, err = kvnoOn(control)
	assert.Error(t, err, "without qualify_shortname MIT asks for host/localhost.example: %s", out)
	assert.Contains(t, out, "EXAMPLE")
}
