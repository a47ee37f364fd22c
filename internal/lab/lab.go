// Package lab decides what a test does when a piece of the test lab (a KDC,
// Apache, Samba, Wine, …) is missing: skip with the reason on a bare
// developer machine, fail when GSSNEGO_REQUIRE_LAB=1 (the project's test
// command sets it), so CI can never go green by skipping.
package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireEnv is the variable that turns lab skips into failures.
const RequireEnv = "GSSNEGO_REQUIRE_LAB"

// Required reports whether lab skips must fail.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Unavailable ends the test: a skip normally, a failure when the lab is required.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := "lab unavailable: " + fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s=1 turns this skip into a failure)", msg, RequireEnv)
	}
	tb.Skip(msg)
}

// sbinDirs are searched too because root-only tools (krb5kdc, kadmin.local)
// live there and a non-login PATH often lacks them.
var sbinDirs = []string{"/usr/sbin", "/sbin", "/usr/local/sbin"}

// LookPath finds a command in PATH or the sbin directories.
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range sbinDirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH or %v", name, sbinDirs)
}

// NeedCommand returns the paths of the named commands, or ends the test via
// Unavailable naming the first one missing.
func NeedCommand(tb testing.TB, names ...string) []string {
	tb.Helper()
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := LookPath(n)
		if err != nil {
			Unavailable(tb, "%v (install it with ci/install-deps.sh)", err)
			return nil
		}
		paths[i] = p
	}
	return paths
}
