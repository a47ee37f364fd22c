//go:build linux

package httpauth_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// labRealm returns the binary's realm (the environment points at it) and the
// platform provider.
func labRealm(t *testing.T) (*testrealm.Realm, gss.Provider) {
	t.Helper()
	r := testrealm.Shared(t)
	p := lab.Provider(t)
	return r, p
}

// whoami answers the authenticated principal, one line.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, httpauth.Principal(r))
})

// serve runs h behind s on a loopback httptest server and returns its URL
// with host name host ("http://host:port/"). Connections to any host go to
// the server when made through dialer(ts).
func serve(t *testing.T, s *httpauth.Server, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(s.Middleware(h))
	s.Install(ts.Config)
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// urlFor is ts's URL with another host name: the SPN comes from it.
func urlFor(ts *httptest.Server, host string) string {
	u, _ := url.Parse(ts.URL)
	return "http://" + host + ":" + u.Port() + "/"
}

// loopback is an http.Transport that dials ts for every host name, as curl
// --resolve does.
func loopback(ts *httptest.Server) *http.Transport {
	addr := ts.Listener.Addr().String()
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
}

// get does a GET through rt and returns the response and its body.
func get(t *testing.T, rt http.RoundTripper, u string) (*http.Response, string, error) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Get(u)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, strings.TrimSpace(string(b)), nil
}

// inEtypeProcess runs an RC4 case in a child process with PreferEnctypes
// (see negotiate's engine tests); it reports whether this process runs the
// body.
func inEtypeProcess(t *testing.T, r *testrealm.Realm, e gss.Enctype) bool {
	t.Helper()
	if c := testrealm.ChildCase(); c != "" {
		return c == t.Name()
	}
	if e != gss.EnctypeRC4HMAC {
		return true
	}
	t.Log(testrealm.RunChild(t, t.Name(), "KRB5_CONFIG="+r.PreferEnctypes(t, e)))
	return false
}

// hostOf is the host part of a lab etype service ("HTTP/h").
func hostOf(service string) string { return strings.TrimPrefix(service, "HTTP/") }

// TestOurClientOurServer: our Transport against our middleware, for every
// lab etype, SPN taken from the URL host (HTTP@aes128.gssnego.test …).
// Kerberos with the optimistic token: one token leg, no mechListMIC, the
// AP-REP in the 200's WWW-Authenticate verified by the client.
func TestOurClientOurServer(t *testing.T) {
	for _, e := range testrealm.LabEtypes {
		t.Run(e.String(), func(t *testing.T) {
			r, p := labRealm(t)
			if !inEtypeProcess(t, r, e) {
				return
			}
			var srvID *httpauth.Identity
			s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
			ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srvID = httpauth.IdentityFrom(r.Context())
				whoami(w, r)
			}))
			tr := &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p}}
			resp, body, err := get(t, tr, urlFor(ts, hostOf(r.EtypeService(e))))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "alice@"+testrealm.Name, body)
			res := httpauth.ResultOf(resp)
			require.NotNil(t, res)
			assert.True(t, res.Mutual, "final token verified")
			assert.Equal(t, 1, res.Legs)
			assert.Equal(t, "HTTP@"+hostOf(r.EtypeService(e)), res.Target)
			require.NotNil(t, res.Transcript)
			assert.Equal(t, negotiate.ResultOK, res.Transcript.Verdict.Result, res.Transcript.Verdict.Reason)
			assert.Len(t, res.Transcript.Reports, 2)
			require.NotNil(t, srvID)
			assert.Equal(t, "alice@"+testrealm.Name, srvID.Principal)
			assert.Equal(t, e, srvID.Record.Transcript.Verdict.Etype.Session, "session key etype of the ticket")
			assert.Equal(t, 0, s.Pending())
		})
	}
}

// TestOurClientOurServerMICs: no optimistic token under the Windows
// profile makes Kerberos take an extra SPNEGO leg, so mechListMICs are
// required both ways: three HTTP token legs (NegTokenInit → 401
// accept-incomplete; AP-REQ → 401 AP-REP + MIC; client MIC → 200), all on
// one connection.
func TestOurClientOurServerMICs(t *testing.T) {
	for _, aff := range []struct {
		name string
		tr   func(ts *httptest.Server) *httpauth.Transport
	}{
		{"Pinned", func(ts *httptest.Server) *httpauth.Transport {
			return &httpauth.Transport{Base: loopback(ts)}
		}},
		{"BaseOneConn", func(ts *httptest.Server) *httpauth.Transport {
			b := loopback(ts)
			b.MaxConnsPerHost = 1
			return &httpauth.Transport{Base: b, Affinity: httpauth.AffinityBase}
		}},
	} {
		t.Run(aff.name, func(t *testing.T) {
			_, p := labRealm(t)
			var srvID *httpauth.Identity
			s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
			ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				srvID = httpauth.IdentityFrom(r.Context())
				whoami(w, r)
			}))
			tr := aff.tr(ts)
			tr.Config = negotiate.Config{Provider: p, NoOptimisticToken: true}
			resp, body, err := get(t, tr, urlFor(ts, "localhost"))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "alice@"+testrealm.Name, body)
			res := httpauth.ResultOf(resp)
			require.NotNil(t, res)
			assert.True(t, res.Mutual)
			assert.Equal(t, 3, res.Legs)
			require.NotNil(t, res.Record)
			assert.True(t, res.Record.MICSent, "client sent its mechListMIC")
			assert.True(t, res.Record.MICReceived, "client verified the server's")
			assert.Equal(t, negotiate.RuleExtraLegNewEnctype, res.Record.MICRule)
			v := res.Transcript.Verdict
			assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
			assert.Equal(t, negotiate.MICValid, v.Acceptor.Check)
			require.NotNil(t, srvID)
			assert.True(t, srvID.Record.MICSent)
			assert.True(t, srvID.Record.MICReceived)
			assert.Equal(t, negotiate.MICValid, srvID.Transcript.Verdict.Initiator.Check)
			assert.Equal(t, 0, s.Pending(), "completed exchange released")
		})
	}
}

// TestOurClientOurServerNTLM: the URL host has no Kerberos key, so the
// client drops Kerberos and NTLM (gss-ntlmssp) needs two HTTP token legs
// (NEGOTIATE → 401 CHALLENGE; AUTHENTICATE → …) on one connection: the
// server keeps the NTLM context between them, keyed by the connection.
// The established context names the NTLM user (gssapi_unix asks
// gss-ntlmssp 1.2 only for the names it can give). NTLM proves nothing
// about the server, so the client accepts the 200 only with the MIC
// exchange or AllowMissingMutual.
func TestOurClientOurServerNTLM(t *testing.T) {
	r, p := labRealm(t)
	if strings.HasPrefix(p.Name(), "Heimdal") {
		t.Skipf("%s uses its built-in NTLM, not gss-ntlmssp", p.Name())
	}
	lab.NeedMech(t, p, gss.MechNTLMSSP)
	users := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(users, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	t.Setenv("NTLM_USER_FILE", users)
	var logged []string
	s := &httpauth.Server{Config: negotiate.Config{Provider: p},
		ErrorLog: func(_ *http.Request, err error) { logged = append(logged, err.Error()) }}
	ts := serve(t, s, whoami)
	// NTLM does not authenticate the server: by default the client refuses
	// the 200; with the MIC exchange (strict) the server's MIC proves it.
	tr := &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p}}
	_, _, err := get(t, tr, urlFor(ts, "nokerberos.gssnego.test"))
	require.ErrorIs(t, err, httpauth.ErrMutualAuthMissing)
	strict := &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p, Profile: negotiate.ProfileStrict}}
	resp, body, err := get(t, strict, urlFor(ts, "nokerberos.gssnego.test"))
	require.NoError(t, err)
	assert.True(t, httpauth.ResultOf(resp).Mutual, "the server's mechListMIC proved it")
	tr = &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p}, AllowMissingMutual: true}
	resp, body, err = get(t, tr, urlFor(ts, "nokerberos.gssnego.test"))
	require.NoError(t, err)
	assert.False(t, httpauth.ResultOf(resp).Mutual)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, `GSSNEGO\`+r.User, strings.TrimSpace(body))
	res := httpauth.ResultOf(resp)
	require.NotNil(t, res)
	assert.Equal(t, 2, res.Legs, "both NTLM legs reached the same server context")
	assert.Equal(t, gss.MechNTLMSSP, res.Record.Selected)
	assert.NoError(t, res.Err)
	assert.Empty(t, logged)
	assert.Equal(t, 0, s.Pending())
}

// TestNativeModes: the native SPNEGO of the provider on either side of our
// HTTP layer.
func TestNativeModes(t *testing.T) {
	_, p := labRealm(t)
	lab.NeedMech(t, p, gss.MechSPNEGO)
	for _, tc := range []struct {
		name                   string
		clientNative, srvNativ bool
	}{{"NativeClient", true, false}, {"NativeServer", false, true}, {"Both", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := &httpauth.Server{Config: negotiate.Config{Provider: p}, Native: tc.srvNativ}
			ts := serve(t, s, whoami)
			tr := &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p}, Native: tc.clientNative}
			resp, body, err := get(t, tr, urlFor(ts, "localhost"))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, "alice@"+testrealm.Name, body)
			res := httpauth.ResultOf(resp)
			assert.True(t, res.Mutual)
			require.NotNil(t, res.Transcript)
			assert.Equal(t, negotiate.ResultOK, res.Transcript.Verdict.Result)
		})
	}
}
