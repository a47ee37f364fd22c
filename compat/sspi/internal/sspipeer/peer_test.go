//go:build !windows

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// WineInteropEnv is set to 1 by ci/wine.sh, which prepares the Wine prefix
// (with the ProcessPrng shim Go needs on Wine 8).
const WineInteropEnv = "GSSNEGO_WINE_INTEROP"

// build compiles this command for goos into the test's temp dir.
func build(t *testing.T, goos string) string {
	t.Helper()
	return buildPkg(t, goos, ".")
}

func buildPkg(t *testing.T, goos, pkg string) string {
	t.Helper()
	name := "sspipeer"
	if pkg != "." {
		name = filepath.Base(pkg)
	}
	exe := filepath.Join(t.TempDir(), name)
	if goos == "windows" {
		exe += ".exe"
	}
	cmd := exec.Command("go", "build", "-tags", buildTags, "-o", exe, pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64")
	if goos == "windows" {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build for %s: %s", goos, out)
	return exe
}

// proc is a peer running in the background; output goes to a file because
// Wine's helper processes inherit stdio and outlive the program.
type proc struct {
	out  string
	done chan error
}

func start(t *testing.T, wine bool, exe string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	name := exe
	if wine {
		name, args = "wine", append([]string{exe}, args...)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "peer.out"))
	require.NoError(t, err)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY=")
	if os.Getenv("WINEDEBUG") == "" {
		cmd.Env = append(cmd.Env, "WINEDEBUG=-all")
	}
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	f.Close()
	p := &proc{out: f.Name(), done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p
}

func (p *proc) read() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

var listening = regexp.MustCompile(`server: listening on (127\.0\.0\.1:\d+)`)

// addr waits for the server to print its address (a hang guard).
func (p *proc) addr(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listening.FindStringSubmatch(p.read()); m != nil {
			return m[1]
		}
		select {
		case err := <-p.done:
			t.Fatalf("server exited (%v) before listening:\n%s", err, p.read())
		case <-time.After(50 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "server never listened:\n%s", p.read())
	}
}

func (p *proc) wait(t *testing.T) (string, error) {
	t.Helper()
	select {
	case err := <-p.done:
		return p.read(), err
	case <-time.After(120 * time.Second):
		t.Fatalf("peer did not exit:\n%s", p.read())
		return "", nil
	}
}

// pair runs a server and a client build against each other and checks
// both sides' report.
func pair(t *testing.T, serverExe string, serverWine bool, clientExe string, clientWine bool) (sout, cout string) {
	t.Helper()
	srv := start(t, serverWine, serverExe, "server", "-listen", "127.0.0.1:0")
	addr := srv.addr(t)
	cli := start(t, clientWine, clientExe, "client", "-connect", addr, "-spn", testrealm.ServiceHost)
	cout, cerr := cli.wait(t)
	sout, serr := srv.wait(t)
	require.NoError(t, cerr, "client:\n%s\nserver:\n%s", cout, sout)
	require.NoError(t, serr, "server:\n%s\nclient:\n%s", sout, cout)
	for _, line := range []string{"client: authenticated", "client: flags verified",
		`client: decrypted "sealed by the server" (qop 0x0)`, "client: done"} {
		assert.Contains(t, cout, line)
	}
	for _, line := range []string{"server: authenticated", `server: signature verified on "signed by the client"`,
		`server: decrypted "sealed by the client" (qop 0x0)`, "server: done"} {
		assert.Contains(t, sout, line)
	}
	return sout, cout
}

// TestCrossProcessLinux: two processes of the Linux build, the baseline of
// the Wine test.
func TestCrossProcessLinux(t *testing.T) {
	r := testrealm.Shared(t)
	lab.NeedCommand(t, "go")
	exe := build(t, "linux")
	sout, _ := pair(t, exe, false, exe, false)
	assert.Contains(t, sout, "server: user "+r.Principal(r.User))
}

// TestInteropWine: the Windows build under Wine (SSPI's Kerberos package,
// a layer over the host's MIT libraries) against the Linux build, both
// ways: authentication, a signature and an encrypted message each way.
func TestInteropWine(t *testing.T) {
	if os.Getenv(WineInteropEnv) != "1" {
		t.Skipf("runs from ci/wine.sh (%s=1), which prepares the Wine prefix", WineInteropEnv)
	}
	r := testrealm.Shared(t)
	lab.NeedCommand(t, "wine", "go")
	if p := os.Getenv("WINEPREFIX"); p == "" {
		lab.Unavailable(t, "WINEPREFIX is not set (run ci/wine.sh)")
	}
	linux, windows := build(t, "linux"), build(t, "windows")
	t.Run("WindowsClientLinuxServer", func(t *testing.T) {
		sout, _ := pair(t, linux, false, windows, true)
		assert.Contains(t, sout, "server: user "+r.Principal(r.User))
	})
	t.Run("LinuxClientWindowsServer", func(t *testing.T) {
		sout, _ := pair(t, windows, true, linux, false)
		// Wine answers no SECPKG_ATTR_NAMES/NATIVE_NAMES (sspi_windows doc).
		if !strings.Contains(sout, "server: user "+r.Principal(r.User)) {
			assert.Contains(t, sout, "server: user unknown: ")
			t.Logf("wine-no-names: the Windows server under Wine cannot name the client:\n%s", sout)
		}
	})
	t.Run("BothWindows", func(t *testing.T) {
		pair(t, windows, true, windows, true)
	})
}

// TestInteropWineAlexbrainman: the mirror's Linux client against a server
// written with the real github.com/alexbrainman/sspi/negotiate, built for
// Windows and run under Wine (its "Negotiate" package).
func TestInteropWineAlexbrainman(t *testing.T) {
	if os.Getenv(WineInteropEnv) != "1" {
		t.Skipf("runs from ci/wine.sh (%s=1), which prepares the Wine prefix", WineInteropEnv)
	}
	testrealm.Shared(t)
	lab.NeedCommand(t, "wine", "go")
	linux, alex := build(t, "linux"), buildPkg(t, "windows", "../alexpeer")
	srv := start(t, true, alex, "-listen", "127.0.0.1:0")
	addr := srv.addr(t)
	cli := start(t, false, linux, "client", "-connect", addr, "-spn", testrealm.ServiceHost)
	cout, cerr := cli.wait(t)
	sout, serr := srv.wait(t)
	t.Logf("client:\n%s\nserver (alexbrainman/sspi under Wine):\n%s", cout, sout)
	for _, line := range []string{"client: authenticated", "client: flags verified"} {
		require.Contains(t, cout, line)
	}
	for _, line := range []string{"server: authenticated", `server: signature verified on "signed by the client"`} {
		require.Contains(t, sout, line)
	}
	// alexbrainman/sspi sizes EncryptMessage's TOKEN buffer by
	// cbSecurityTrailer, which Wine reports as 49 while its gss_wrap needs
	// 60 bytes there: SEC_E_BUFFER_TOO_SMALL (0x80090321) under Wine only.
	if serr != nil && strings.Contains(sout, "EncryptMessage: winapi error #2148074273") {
		t.Skipf("%s: authentication and the signature pass; the real package's EncryptMessage fails under Wine with SEC_E_BUFFER_TOO_SMALL",
			wineTrailerSkip)
	}
	require.NoError(t, cerr)
	require.NoError(t, serr)
}

// wineTrailerSkip names the Wine limit that stops the encryption step of
// TestInteropWineAlexbrainman (docs/lab.md, sspi_windows package doc).
const wineTrailerSkip = "wine-encryptmessage-trailer-size"
