//go:build !windows

package testrealm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

const orphanEnv = "GSSNEGO_TESTREALM_ORPHAN_DIR"

// TestKDCDiesWithOwner: a test binary that dies without its cleanups (here
// a child that exits right after starting a realm; in the wild a panicking
// test, which left KDCs running for hours) takes its KDC with it.
func TestKDCDiesWithOwner(t *testing.T) {
	if dir := os.Getenv(orphanEnv); dir != "" {
		r, err := Launch(dir)
		if err != nil {
			os.Exit(2)
		}
		_ = os.WriteFile(filepath.Join(dir, "kdc.pgid"), []byte(strconv.Itoa(r.kdc.Process.Pid)), 0o644)
		os.Exit(0) // no StopKDC
	}
	lab.NeedCommand(t, "krb5kdc")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKDCDiesWithOwner$")
	cmd.Env = append(os.Environ(), orphanEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	b, err := os.ReadFile(filepath.Join(dir, "kdc.pgid"))
	require.NoError(t, err)
	pgid, err := strconv.Atoi(string(b))
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) }) // if the test fails
	deadline := time.Now().Add(30 * time.Second)                   // hang guard; the watchdog polls every second
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	assert.ErrorIs(t, syscall.Kill(-pgid, 0), syscall.ESRCH, "the orphaned KDC's process group still runs")
}
