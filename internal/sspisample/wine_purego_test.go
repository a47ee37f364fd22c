//go:build !windows

package sspisample

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
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

// TestInteropWinePureGoInitiator is the other direction: the pure-Go
// provider's client in this process against the Windows build's server
// under Wine (SSPI acceptor, keytab of the host's MIT realm). The server
// must accept the pure-Go AP-REQ (and the client Wine's AP-REP) and both
// sides reach the expected verdicts; the
// sealed message ends in the same named Wine layout skip.
func TestInteropWinePureGoInitiator(t *testing.T) {
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
		{"GoNoOptimistic", []string{"-no-optimistic", "-mechs", "ms-krb5,krb5"},
			"verdict: ok (mechListMIC: initiator sent, acceptor sent+verified by initiator)",
			"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reserved, err := lab.ReservePort(false)
			require.NoError(t, err)
			port := strconv.Itoa(reserved.Num)
			reserved.Release() // the server under Wine binds it now
			srv := startWine(t, exe, append([]string{"server", "-listen", "127.0.0.1:" + port, "-n", "1", "-v"}, serverArgs(tc.args)...)...)
			srv.waitFor(t, "listening on")
			conn, err := net.Dial("tcp", "127.0.0.1:"+port)
			require.NoError(t, err, "Windows server:\n%s", srv.read())
			cfg := flagsConfig(t, tc.args)
			cfg.Provider = kerberos.NewProvider()
			res, err := Client(conn, "host@localhost", cfg)
			sout := srv.wait(t)
			require.NotNil(t, res.Info, "the pure-Go client did not authenticate: %v\nWindows server:\n%s", err, sout)
			require.Contains(t, VerdictLine(res, nil), tc.clientLine)
			require.Contains(t, sout, tc.serverLine, "Windows server:\n%s", sout)
			require.Contains(t, sout, "server: authenticated: ", "Windows server:\n%s", sout)
			// Wine's server prints "initiator -": its QueryContextAttributes
			// has no names; the pure-Go side's view of the acceptor is checked.
			require.Equal(t, "host/localhost@"+testrealm.Name, res.Info.AcceptorName)
			require.Equal(t, alice, res.Info.InitiatorName)
			if err != nil && strings.Contains(err.Error(), "decrypting the message") {
				t.Skipf("%s: authentication and mechListMIC verdicts pass; Wine's EncryptMessage layout is not Windows', the pure-Go UnwrapIOV refuses it: %v",
					wineLayoutSkip, err)
			}
			require.NoError(t, err, "Windows server:\n%s", sout)
			require.Equal(t, Message, string(res.Message))
		})
	}
}
