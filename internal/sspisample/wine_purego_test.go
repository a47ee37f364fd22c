//go:build !windows

package sspisample

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// TestInteropWinePureGoAcceptor runs the Windows build's client (gssnego.exe
// under Wine: SSPI's Kerberos package, whose tickets come from the host's
// MIT KDC) against the sample server over the pure-Go provider (kerberos/),
// chosen explicitly whatever this build's platform provider is. The server
// must accept alice's AP-REQ from its keytab, both sides must reach the
// expected mechListMIC verdicts, and the Windows client must verify the
// pure-Go AP-REP ("client: authenticated"). The final sealed message ends,
// as with the MIT-backed server, in the named Wine layout skip; when Wine
// ever produces Windows' layout the message is checked too.
func TestInteropWinePureGoAcceptor(t *testing.T) {
	if os.Getenv(WineInteropEnv) != "1" {
		t.Skipf("runs from ci/wine.sh (%s=1), which prepares the Wine prefix", WineInteropEnv)
	}
	r := testrealm.Shared(t)
	lab.NeedCommand(t, "wine", "go")
	if p := os.Getenv("WINEPREFIX"); p == "" || !exists(filepath.Join(p, "drive_c/windows/system32/bcryptprimitives.dll")) {
		lab.Unavailable(t, "WINEPREFIX %q has no ProcessPrng shim (run ci/wine.sh)", p)
	}
	exe := buildCLI(t, "windows", "")
	alice := r.User + "@" + testrealm.Name
	for _, tc := range []struct {
		name       string
		args       []string
		clientLine string
		serverLine string
	}{
		{"GoOptimistic", nil,
			"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))",
			"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))"},
		// The pure-Go acceptor's MIC, made with its subkey, verified by
		// SSPI; SSPI's MIC verified by the pure-Go side.
		{"GoNoOptimistic", []string{"-no-optimistic", "-mechs", "ms-krb5,krb5"},
			"verdict: ok (mechListMIC: initiator sent, acceptor sent+verified by initiator)",
			"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent)"},
		{"GoStrict", []string{"-profile", "strict"},
			"verdict: ok (mechListMIC: initiator sent, acceptor sent+verified by initiator)",
			"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := flagsConfig(t, tc.args)
			cfg.Provider = kerberos.NewProvider()
			addr, done := startServer(t, cfg)
			out, err := runWine(t, exe, clientArgs(addr, tc.args)...)
			srv := nextServed(t, done)
			if strings.Contains(out, "token 0  i2a  mechanism ") {
				t.Skipf("%s: Wine's Negotiate package sends a bare Kerberos AP-REQ, no SPNEGO; the server refuses it: %v",
					wineRawNegotiateSkip, srv.err)
			}
			require.NotNil(t, srv.res, "pure-Go server: %v\nWindows client:\n%s", srv.err, out)
			require.NotNil(t, srv.res.Info, "the pure-Go server did not authenticate: %v\nWindows client:\n%s", srv.err, out)
			require.Equal(t, alice, srv.res.Info.InitiatorName)
			require.Contains(t, VerdictLine(nil, srv.res), tc.serverLine)
			require.Contains(t, out, tc.clientLine, "Windows client:\n%s", out)
			require.Contains(t, out, "client: authenticated: ", "Windows client:\n%s", out)
			require.NoError(t, srv.err, "the pure-Go server sends the message after authenticating")
			if err != nil && strings.Contains(out, "decrypting the message") {
				t.Skipf("%s: authentication and mechListMIC verdicts pass; Wine's DecryptMessage cannot read the Windows-layout message the pure-Go WrapIOV made: %s",
					wineLayoutSkip, lastLine(out))
			}
			require.NoError(t, err, "Windows client:\n%s", out)
			require.Contains(t, out, `client: server says "This is your server speaking" (sealed; `)
		})
	}
}
