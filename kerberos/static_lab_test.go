//go:build linux

package kerberos_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// staticCLI builds cmd/gssnego with CGO_ENABLED=0 and checks it is a
// static executable (no ELF interpreter, no needed libraries).
func staticCLI(t *testing.T) string {
	t.Helper()
	goBin := lab.NeedCommand(t, "go")[0]
	out := filepath.Join(t.TempDir(), "gssnego")
	cmd := exec.Command(goBin, "build", "-o", out, ".")
	cmd.Dir = lab.PackageDir(t, "github.com/gssnego/gssnego/cmd/gssnego")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	f, err := elf.Open(out)
	require.NoError(t, err)
	defer f.Close()
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "CGO_ENABLED=0 build has an ELF interpreter")
	}
	libs, _ := f.ImportedLibraries()
	require.Empty(t, libs, "CGO_ENABLED=0 build needs shared libraries")
	return out
}

// TestStaticCLIHTTPGetApache: `gssnego http-get` built with CGO_ENABLED=0
// (so over the pure-Go provider) authenticates to Apache mod_auth_gssapi
// with the ticket MIT's kinit left in the ccache, and verifies the AP-REP.
func TestStaticCLIHTTPGetApache(t *testing.T) {
	r := testrealm.Shared(t)
	bin := staticCLI(t)
	s := apache.Start(t, r, apache.AllowedMechs("krb5"))
	cmd := exec.Command(bin, "http-get", s.URL)
	cmd.Env = append(os.Environ(), r.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "200 OK")
	assert.Contains(t, string(out), "alice@"+testrealm.Name)
	assert.Contains(t, string(out), "mutual authentication verified")
	assert.Contains(t, string(out), "responseToken: krb5 AP-REP")
	t.Log(string(out))
}

// TestStaticCLINoKerberosLibrary: the static binary works where no
// Kerberos or C library can be loaded: in a mount namespace with a tmpfs
// over the library directories.
func TestStaticCLINoKerberosLibrary(t *testing.T) {
	r := testrealm.Shared(t)
	bin := staticCLI(t)
	unshare := lab.NeedCommand(t, "unshare")[0]
	s := apache.Start(t, r, apache.AllowedMechs("krb5"))
	var hide []string
	mount := lab.NeedCommand(t, "mount")[0]
	// The directory holding libc goes last: mount itself needs it. The
	// shell is loaded before the mounts, the static binary after them.
	for _, d := range []string{"/usr/local/lib", "/lib64", "/usr/lib64", "/lib", "/usr/lib"} {
		if fi, err := os.Lstat(d); err == nil && fi.IsDir() {
			hide = append(hide, mount+" -t tmpfs none "+d)
		}
	}
	script := strings.Join(hide, " && ") + ` && for f in /usr/lib/*/libkrb5.so* /usr/lib/*/libc.so*; do [ -e "$f" ] && exit 9; done; exec "$0" http-get "$1"`
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "/bin/sh", "-c", script, bin, s.URL)
	cmd.Env = append(os.Environ(), r.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		lab.Unavailable(t, "no mount namespaces here: %s", out)
	}
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "200 OK")
	assert.Contains(t, string(out), "mutual authentication verified")
}
