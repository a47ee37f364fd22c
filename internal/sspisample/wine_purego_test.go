//go:build !windows

package sspisample

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
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

// TestInteropWinePureGoHTTP: the Windows build's `gssnego http-get` under
// Wine (the Go SPNEGO engine over SSPI's Kerberos package) against
// httpauth over the pure-Go provider: 200 with alice's principal, the
// pure-Go AP-REP verified by SSPI ("mutual authentication verified"), and
// the server's verdict ok. Both with and without the optimistic token (the
// second exchanges mechListMICs, made and checked by SSPI on one side and
// the pure-Go provider on the other).
func TestInteropWinePureGoHTTP(t *testing.T) {
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
	var (
		mu  sync.Mutex
		ids []*httpauth.Identity
	)
	s := &httpauth.Server{Config: negotiate.Config{Provider: kerberos.NewProvider()}}
	ts := httptest.NewServer(s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		id := httpauth.IdentityFrom(req.Context())
		mu.Lock()
		ids = append(ids, id)
		mu.Unlock()
		fmt.Fprintln(w, id.Principal)
	})))
	t.Cleanup(ts.Close)
	u, err := url.Parse(ts.URL)
	require.NoError(t, err)
	page := "http://localhost:" + u.Port() + "/"
	for _, tc := range []struct {
		name string
		args []string
		mics bool
	}{{"Optimistic", nil, false}, {"NoOptimistic", []string{"-no-optimistic"}, true}} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"http-get", "-resolve", "localhost:" + u.Port() + ":127.0.0.1"}, tc.args...)
			out, err := runWine(t, exe, append(args, page)...)
			require.NoError(t, err, "Windows http-get:\n%s", out)
			require.Contains(t, out, "200 OK")
			require.Contains(t, out, alice)
			require.Contains(t, out, "mutual authentication verified")
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, ids, 1, "one authenticated request")
			require.Equal(t, alice, ids[0].Principal)
			v := ids[0].Transcript.Verdict
			require.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
			require.Equal(t, tc.mics, v.Initiator.Present && v.Acceptor.Present, "mechListMIC exchange")
			ids = nil
		})
	}
}
