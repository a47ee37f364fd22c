//go:build linux

package sshgss_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sshd"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/internal/wine"
)

// wineInteropEnv is set to 1 by ci/wine.sh, which prepares the Wine prefix
// (WINEPREFIX, with the ProcessPrng shim Go needs on Wine 8).
const wineInteropEnv = "GSSNEGO_WINE_INTEROP"

// Variables handing the sshd started here to the Windows test binary.
const (
	envSSHDAddr    = "GSSNEGO_SSHD_ADDR"
	envSSHDHostKey = "GSSNEGO_SSHD_HOSTKEY"
)

// TestInteropWineClientOpenSSH runs the Windows build of Client (SSPI's
// Kerberos package, Wine 8 over the host's MIT libraries) against OpenSSH's
// sshd started here: the Windows test TestWineOpenSSHServer logs in as
// root with root's ccache and runs a command; sshd must log the login.
func TestInteropWineClientOpenSSH(t *testing.T) {
	if os.Getenv(wineInteropEnv) != "1" {
		t.Skipf("runs from ci/wine.sh (%s=1), which prepares the Wine prefix", wineInteropEnv)
	}
	realm := testrealm.Shared(t)
	lab.NeedCommand(t, "wine", "go")
	if p := os.Getenv("WINEPREFIX"); p == "" {
		lab.Unavailable(t, "WINEPREFIX is not set (run ci/wine.sh)")
	} else if _, err := os.Stat(filepath.Join(p, "drive_c/windows/system32/bcryptprimitives.dll")); err != nil {
		lab.Unavailable(t, "WINEPREFIX %q has no ProcessPrng shim (run ci/wine.sh)", p)
	}
	cc := sshd.RootCCache(t, realm)
	s := sshd.Start(t, realm)
	exe := filepath.Join(t.TempDir(), "sshgss.test.exe")
	build := exec.Command("go", "test", "-c", "-o", exe, ".")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Windows test binary: %v\n%s", err, out)
	}
	l := wine.Lab{Realm: realm.Name, User: "root", SPN: "host/localhost", ViaRunner: true}
	env := append(os.Environ(), realm.Env()...)
	env = append(env, l.Environ()...)
	env = append(env, "KRB5CCNAME="+cc, envSSHDAddr+"="+s.Addr, envSSHDHostKey+"="+s.HostKey, "DISPLAY=")
	if os.Getenv("WINEDEBUG") == "" {
		env = append(env, "WINEDEBUG=-all")
	}
	out := runWineTest(t, exe, env, "-test.run=^TestWineOpenSSHServer$", "-test.v", "-test.count=1")
	if !strings.Contains(out, "--- PASS: TestWineOpenSSHServer") {
		t.Fatalf("Windows test did not pass:\n%s", out)
	}
	line := s.WaitLog(t, "Accepted gssapi-with-mic for root")
	if !strings.Contains(line, realm.Principal("root")) {
		t.Fatalf("sshd log %q does not name %s", line, realm.Principal("root"))
	}
	t.Logf("sshd: %s\nWindows test:\n%s", line, out)
}

// runWineTest runs a Windows test binary under Wine (hang guard 120 s).
// Output goes to a file: Wine's helper processes inherit stdio and outlive
// the program, so a pipe would not see EOF.
func runWineTest(t *testing.T, exe string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f, err := os.Create(filepath.Join(t.TempDir(), "wine.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	if err != nil {
		t.Logf("wine %s: %v", filepath.Base(exe), err)
	}
	return string(bytes.TrimSpace(out))
}
