//go:build linux

package kerberos_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/httppeer"
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
	s := apache.Start(t, r, apache.AllowedMechs("krb5"))
	cmd := noLibraries(t, bin, "http-get", s.URL)
	cmd.Env = append(os.Environ(), r.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "unshare failed") {
		lab.Unavailable(t, "no mount namespaces here: %s", out)
	}
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "200 OK")
	assert.Contains(t, string(out), "mutual authentication verified")
}

// noLibraries returns a command that runs bin with args in a new mount
// namespace where tmpfs mounts hide the library directories, after
// checking that neither libkrb5 nor libc is visible there (exit 9 if one
// is). unshare without --fork execs, so the command's PID is bin's.
func noLibraries(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	unshare := lab.NeedCommand(t, "unshare")[0]
	mount := lab.NeedCommand(t, "mount")[0]
	var hide []string
	// The directory holding libc goes last: mount itself needs it. The
	// shell is loaded before the mounts, the static binary after them.
	for _, d := range []string{"/usr/local/lib", "/lib64", "/usr/lib64", "/lib", "/usr/lib"} {
		if fi, err := os.Lstat(d); err == nil && fi.IsDir() {
			hide = append(hide, mount+" -t tmpfs none "+d)
		}
	}
	script := strings.Join(hide, " && ") + ` && for f in /usr/lib/*/libkrb5.so* /usr/lib/*/libc.so*; do [ -e "$f" ] && exit 9; done; exec "$0" "$@"`
	return exec.Command(unshare, append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", script, bin}, args...)...)
}

// TestStaticCLIProxyNoKerberosLibrary: `gssnego proxy` built with
// CGO_ENABLED=0 (the pure-Go acceptor, keytab from KRB5_KTNAME) runs in
// the namespace without libraries in front of a backend; curl outside it,
// over MIT's library with alice's ticket, gets 200 through the proxy and
// the AP-REP back, the backend sees alice's principal in X-Remote-User,
// and a request without a ticket gets 401 and never reaches the backend.
func TestStaticCLIProxyNoKerberosLibrary(t *testing.T) {
	r := testrealm.Shared(t)
	bin := staticCLI(t)
	var (
		mu   sync.Mutex
		seen []string // X-Remote-User of each request the backend got
	)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = append(seen, req.Header.Get("X-Remote-User"))
		mu.Unlock()
		fmt.Fprintf(w, "backend: %s\n", req.Header.Get("X-Remote-User"))
	}))
	t.Cleanup(backend.Close)

	cmd := noLibraries(t, bin, "proxy", "-listen", "127.0.0.1:0", "-backend", backend.URL)
	cmd.Env = append(os.Environ(), r.Env()...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	listening := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == ""; {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case err := <-exited:
			if strings.Contains(out.String(), "unshare failed") {
				lab.Unavailable(t, "no mount namespaces here: %s", out.String())
			}
			t.Fatalf("static proxy exited (%v):\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "static proxy did not start:\n%s", out.String())
	}
	_, port, _ := strings.Cut(addr, ":")
	page := "http://localhost:" + port + "/"
	resolve := "localhost:" + port + ":127.0.0.1"

	noTicket := httppeer.Curl(t, append(r.Env(), "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "empty")),
		"--negotiate", "-u", ":", "--resolve", resolve, page)
	require.Equal(t, "401", noTicket.Code, "%s%s\nproxy:\n%s", noTicket.Headers, noTicket.Body, out.String())

	res := httppeer.Curl(t, r.Env(), "--negotiate", "-u", ":", "--resolve", resolve, page)
	alice := r.User + "@" + testrealm.Name
	require.Equal(t, "200", res.Code, "%s%s\nproxy:\n%s", res.Headers, res.Body, out.String())
	assert.Equal(t, "backend: "+alice, strings.TrimSpace(res.Body))
	assert.Regexp(t, `(?mi)^WWW-Authenticate: Negotiate oY`, res.Headers, "NegTokenResp with the pure-Go AP-REP, which curl's MIT library verified")
	mu.Lock()
	assert.Equal(t, []string{alice}, seen, "the backend saw only the authenticated request")
	mu.Unlock()
	assert.Contains(t, out.String(), alice, "the proxy's access log names the principal")
}

// lockedBuffer is an output buffer the process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
