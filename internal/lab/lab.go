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
	"strings"
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

// PeerLocale is the locale peers run under (PeerEnv): C.UTF-8 is built into
// glibc ≥ 2.35 and Debian's libc-bin ships it, so it needs no locale-gen.
const PeerLocale = "C.UTF-8"

// PeerEnv returns env with the locale pinned to PeerLocale: LC_ALL set,
// LANG, LANGUAGE and every LC_* dropped. Helpers start the peers nobody
// here wrote with it, because some break under a user's locale — Samba
// 4.17's AD provisioning dies under tr_TR.UTF-8 ("No RID Set DN - Failed to
// find RID Manager object": the Turkish dotless i in a case-insensitive
// compare) — and tests read their messages. Our own code is still tested
// under the caller's locale: only the peer's environment changes.
func PeerEnv(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "LC_ALL="+PeerLocale)
}

// WorldTempDir creates a directory like os.MkdirTemp("", pattern) that a
// server dropping privileges (httpd's www-data workers, PostgreSQL, squid's
// proxy user) can reach: under os.TempDir() when every directory above it
// lets others search it, else under /tmp. A TMPDIR made by `mktemp -d` is
// 0700, and a worker then fails on its first file with EACCES (httpd:
// "unable to check htaccess file … ensure … is executable") although the
// files themselves are 0644. The caller removes the directory.
func WorldTempDir(pattern string) (string, error) {
	base := os.TempDir()
	if !searchableByOthers(base) {
		base = "/tmp"
		if !searchableByOthers(base) {
			return "", fmt.Errorf("lab: neither %s nor /tmp can be searched by other users; a server that drops privileges cannot reach its files (make TMPDIR world-searchable, chmod o+x)", os.TempDir())
		}
	}
	dir, err := os.MkdirTemp(base, pattern)
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}

// searchableByOthers reports whether dir and every directory above it have
// the search bit for others.
func searchableByOthers(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	dir, err = filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	for {
		st, err := os.Stat(dir)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// SetProcessEnv sets each KEY=VALUE of env in this process's environment.
// MIT and Heimdal read KRB5_CONFIG, KRB5CCNAME and KRB5_KTNAME from the
// process, so setup shared by a whole test binary or done by a command
// (TestMain, a sync.Once, a benchmark's main) sets them here, where a
// test's t.Setenv cannot reach.
func SetProcessEnv(env []string) {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
}
