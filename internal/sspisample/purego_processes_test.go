//go:build !windows

package sspisample

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// buildNativeCLI builds cmd/gssnego with cgo (MIT, or Heimdal with the
// heimdal tag) whatever CGO_ENABLED this test runs with, so the test
// command's no-cgo step still has a native peer.
func buildNativeCLI(t *testing.T, tags string) string {
	t.Helper()
	key := "cgo/" + tags
	if v, ok := builds.Load(key); ok {
		return v.(string)
	}
	dir, err := binDir()
	require.NoError(t, err)
	out := filepath.Join(dir, "gssnego-cgo-"+tags)
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = lab.PackageDir(t, "github.com/gssnego/gssnego/cmd/gssnego")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=1 go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	builds.Store(key, out)
	return out
}

// TestInteropPureGoNativeProcesses runs the sample with the pure-Go
// provider in this process against the MIT-built and the Heimdal-built CLI
// in another, both roles. Besides authentication and the mechListMIC
// verdicts, the sealed message must arrive: it is the EncryptMessage
// layout (trailer and ciphertext apart) made by gss_wrap_iov on the native
// side and by the pure-Go WrapIOV/UnwrapIOV on this one.
func TestInteropPureGoNativeProcesses(t *testing.T) {
	r := testrealm.Shared(t)
	lab.NeedCommand(t, "go", "gcc")
	alice := r.User + "@" + testrealm.Name
	for _, native := range []struct{ name, tags string }{{"MIT", ""}, {"Heimdal", "heimdal"}} {
		exe := buildNativeCLI(t, native.tags)
		for _, tc := range cliCases {
			if tc.name == "Native" {
				continue // the provider's own SPNEGO: the pure-Go provider has none (docs/purego.md)
			}
			t.Run("PureGoClient"+native.name+"Server/"+tc.name, func(t *testing.T) {
				srv := startServerProc(t, []string{exe}, serverArgs(tc.args)...)
				conn, err := net.Dial("tcp", srv.addr)
				require.NoError(t, err)
				cfg := flagsConfig(t, tc.args)
				cfg.Provider = kerberos.NewProvider()
				res, err := Client(conn, "host@localhost", cfg)
				serr, sout := srv.wait(t)
				require.NoError(t, err, "pure-Go client; %s server:\n%s", native.name, sout)
				require.NoError(t, serr, "%s server:\n%s", native.name, sout)
				require.Equal(t, Message, string(res.Message))
				require.True(t, res.Sealed)
				require.Contains(t, VerdictLine(res, nil), tc.client)
				require.Contains(t, sout, tc.server)
				require.Contains(t, sout, "initiator "+alice+", acceptor host/localhost@"+testrealm.Name)
				require.Contains(t, sout, `server: sent "This is your server speaking" (sealed; `)
			})
			t.Run(native.name+"ClientPureGoServer/"+tc.name, func(t *testing.T) {
				cfg := flagsConfig(t, serverArgs(tc.args))
				cfg.Provider = kerberos.NewProvider()
				addr, done := startServer(t, cfg)
				out, err := runClientProc(t, []string{exe}, addr, tc.args...)
				srv := nextServed(t, done)
				require.NoError(t, err, "%s client:\n%s\npure-Go server: %v", native.name, out, srv.err)
				require.NoError(t, srv.err)
				require.Equal(t, alice, srv.res.Info.InitiatorName)
				require.Contains(t, VerdictLine(nil, srv.res), tc.server)
				require.Contains(t, out, tc.client)
				require.Contains(t, out, `client: server says "This is your server speaking" (sealed; `)
			})
		}
	}
}
