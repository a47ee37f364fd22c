package httppeer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssnego/gssnego/internal/lab"
)

// ChromiumFlags are the headless flags every run uses: no sandbox (root),
// no GPU, no QUIC, nothing phoning home, Negotiate allowed for localhost.
func ChromiumFlags(profile string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile,
		"--auth-server-allowlist=localhost",
	}
}

// Chromium runs Debian's chromium (which dlopens the system
// libgssapi_krb5 for Negotiate) with env added to the process environment
// and returns its stdout (the DOM with --dump-dom) and stderr.
func Chromium(tb testing.TB, env []string, args ...string) (stdout, stderr string) {
	tb.Helper()
	bin := lab.NeedCommand(tb, "chromium")[0]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

// ChromiumProfile makes a user data dir whose Local State already has
// net.received_http_auth_negotiate_headers set. Chromium on Linux loads
// libgssapi_krb5 only once that pref is true (kReceivedHttpAuthNegotiateHeader,
// chrome/browser/net/system_network_context_manager.cc): the first Negotiate
// challenge a fresh profile sees sets it and restarts the network service
// unsandboxed, but that request itself fails with
// ERR_UNSUPPORTED_AUTH_SCHEME and the page shows the 401 body.
func ChromiumProfile(tb testing.TB) string {
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Local State"),
		[]byte(`{"net":{"received_http_auth_negotiate_headers":true}}`), 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}
