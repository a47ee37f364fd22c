//go:build linux

package largepac

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// credOf acquires u's initiator credential from its ccache.
func credOf(tb testing.TB, p gss.Provider, u *pacUser) gss.Credential {
	tb.Helper()
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(u.CCache))
	require.NoError(tb, err, "credential of %s", u.Name)
	tb.Cleanup(func() { cred.Release() })
	return cred
}

// target is the service name of svcHost.
func target(tb testing.TB, p gss.Provider) gss.Name {
	tb.Helper()
	n, err := p.ImportName("HTTP@"+svcHost, gss.NameHostBasedService)
	require.NoError(tb, err)
	tb.Cleanup(func() { n.Release() })
	return n
}

// handshake runs one in-process SPNEGO exchange (Go engine on both sides,
// Kerberos with the optimistic token) and returns the NegTokenInit.
func handshake(p gss.Provider, n gss.Name, cred gss.Credential) ([]byte, string, error) {
	c, err := negotiate.NewClient(n, negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Credential: cred})
	if err != nil {
		return nil, "", err
	}
	defer c.Close()
	s, err := negotiate.NewServer(negotiate.Config{Provider: p})
	if err != nil {
		return nil, "", err
	}
	defer s.Close()
	r := mitm.Run(c, s, mitm.None)
	if r.InitErr != nil || r.AccErr != nil || !r.InitDone || !r.AccDone {
		return nil, "", fmt.Errorf("handshake: initiator %v, acceptor %v", r.InitErr, r.AccErr)
	}
	info, err := s.Inquire()
	if err != nil {
		return nil, "", err
	}
	return r.Tokens[0], info.InitiatorName, nil
}

// rawHandshake is the same exchange as bare Kerberos through the same
// binding, without SPNEGO: the difference to handshake is what our engine
// (framing, inspector, policy) adds.
func rawHandshake(p gss.Provider, n gss.Name, cred gss.Credential) error {
	c, err := p.InitSecContext(n, gss.WithMech(gss.MechKRB5), gss.WithFlags(gss.FlagMutual|gss.FlagInteg),
		gss.WithInitiatorCredential(cred))
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := p.AcceptSecContext()
	if err != nil {
		return err
	}
	defer s.Close()
	r := mitm.Run(c, s, mitm.None)
	if r.InitErr != nil || r.AccErr != nil || !r.InitDone || !r.AccDone {
		return fmt.Errorf("raw krb5 handshake: initiator %v, acceptor %v", r.InitErr, r.AccErr)
	}
	return nil
}

// httpPeer is our middleware on a loopback server and our Transport for
// one user; Authorization header sizes are recorded.
type httpPeer struct {
	URL       string
	Client    *http.Client
	MaxHeader atomic.Int64 // largest Authorization header value sent
	Status400 atomic.Int64 // 400 answers seen
}

// newHTTPPeer starts our server (maxToken: its MaxTokenBytes, 0 for the
// default) and a client authenticating with cred.
func newHTTPPeer(tb testing.TB, p gss.Provider, cred gss.Credential, maxToken int) *httpPeer {
	tb.Helper()
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, MaxTokenBytes: maxToken}
	ts := httptest.NewUnstartedServer(s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, httpauth.Principal(r))
	})))
	s.Install(ts.Config)
	ts.Start()
	tb.Cleanup(ts.Close)
	u, _ := url.Parse(ts.URL)
	addr := ts.Listener.Addr().String()
	hp := &httpPeer{URL: "http://" + svcHost + ":" + u.Port() + "/"}
	base := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	tb.Cleanup(base.CloseIdleConnections)
	rec := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if n := int64(len(r.Header.Get("Authorization"))); n > hp.MaxHeader.Load() {
			hp.MaxHeader.Store(n)
		}
		resp, err := base.RoundTrip(r)
		if err == nil && resp.StatusCode == http.StatusBadRequest {
			hp.Status400.Add(1)
		}
		return resp, err
	})
	hp.Client = &http.Client{Transport: &httpauth.Transport{Base: rec, Preemptive: true,
		Config: negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Credential: cred}}}
	return hp
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// get authenticates one request and returns the status, body and the
// client's result.
func (hp *httpPeer) get() (int, string, *httpauth.Result, error) {
	resp, err := hp.Client.Get(hp.URL)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), httpauth.ResultOf(resp), err
}
