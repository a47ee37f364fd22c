//go:build linux

package authproxy_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/httppeer"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/authproxy"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// backend echoes what it received: the principal header, every header
// whose name looks like it, and whether an Authorization header got
// through. Hits counts requests.
type backend struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func newBackend(t *testing.T, extra http.HandlerFunc) *backend {
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.hits++
		b.mu.Unlock()
		if extra != nil {
			extra(w, r)
		}
		var lines []string
		for k, v := range r.Header {
			if lk := strings.ToLower(k); strings.Contains(lk, "remote") || strings.Contains(lk, "user") || k == "Authorization" || k == "X-Forwarded-For" {
				lines = append(lines, k+": "+strings.Join(v, ","))
			}
		}
		sort.Strings(lines)
		fmt.Fprintf(w, "path=%s\n%s\n", r.URL.Path, strings.Join(lines, "\n"))
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits
}

// front runs a Proxy for b on loopback and returns its "http://localhost:port"
// base URL (the SPN HTTP@localhost is in the realm's keytab) and its log.
func front(t *testing.T, b *backend, configure func(*authproxy.Proxy)) (string, *syncBuffer) {
	t.Helper()
	testrealm.Shared(t)
	prov := lab.Provider(t)
	u, err := url.Parse(b.URL)
	require.NoError(t, err)
	log := &syncBuffer{}
	p := &authproxy.Proxy{
		Backend:   u,
		Auth:      &httpauth.Server{Config: negotiate.Config{Provider: prov}},
		AccessLog: log,
	}
	if configure != nil {
		configure(p)
	}
	h, err := p.Handler()
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(h)
	p.Auth.Install(ts.Config)
	ts.Start()
	t.Cleanup(ts.Close)
	pu, _ := url.Parse(ts.URL)
	return "http://localhost:" + pu.Port(), log
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// client is our Transport, dialling 127.0.0.1 for "localhost" names.
func client(t *testing.T, cfg func(*httpauth.Transport)) *http.Client {
	prov := lab.Provider(t)
	tr := &httpauth.Transport{Config: negotiate.Config{Provider: prov}, Base: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		},
	}}
	if cfg != nil {
		cfg(tr)
	}
	return &http.Client{Transport: tr}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func alice() string { return "alice@" + testrealm.Name }

// TestProxyOurClient: our Transport through the proxy: the backend sees
// the principal header and no Authorization, the client verifies the
// proxy's final token (mutual authentication), one access log line.
func TestProxyOurClient(t *testing.T) {
	b := newBackend(t, nil)
	base, log := front(t, b, nil)
	req, _ := http.NewRequest("GET", base+"/app/page", nil)
	resp, body := do(t, client(t, nil), req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "path=/app/page")
	assert.Contains(t, body, "X-Remote-User: "+alice())
	assert.NotContains(t, body, "Authorization", "the client's token stays at the proxy")
	assert.Contains(t, body, "X-Forwarded-For: 127.0.0.1")
	res := httpauth.ResultOf(resp)
	require.NotNil(t, res)
	assert.True(t, res.Mutual, "the proxy's AP-REP reached the client")
	assert.Regexp(t, `"GET /app/page HTTP/1.1" 200 `+alice()+` verdict=ok mech=\S+ initiator-mic="not due, absent" acceptor-mic="not due, absent" reused=no\n$`, log.String())
}

// TestProxyHeaderCannotBeForged: every spelling of the principal header a
// backend could read as the same variable is removed before the proxy sets
// its own.
func TestProxyHeaderCannotBeForged(t *testing.T) {
	b := newBackend(t, nil)
	base, _ := front(t, b, nil)
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header["X-Remote-User"] = []string{"mallory@EVIL"}
	req.Header["x-remote-user"] = []string{"mallory@EVIL"}
	req.Header["X_Remote_User"] = []string{"mallory@EVIL"}
	req.Header["X-REMOTE_USER"] = []string{"mallory@EVIL"}
	resp, body := do(t, client(t, nil), req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.NotContains(t, body, "mallory")
	assert.Contains(t, body, "X-Remote-User: "+alice())

	t.Run("Unauthenticated", func(t *testing.T) {
		before := b.count()
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.Header.Set("X-Remote-User", "mallory@EVIL")
		resp, err := http.DefaultClient.Do(rewriteLocal(req))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Equal(t, "Negotiate", resp.Header.Get("WWW-Authenticate"))
		assert.Equal(t, before, b.count(), "nothing reaches the backend unauthenticated")
	})
}

// rewriteLocal sends req to 127.0.0.1 (for the plain http.Client).
func rewriteLocal(req *http.Request) *http.Request {
	req.URL.Host = strings.Replace(req.URL.Host, "localhost", "127.0.0.1", 1)
	return req
}

// TestProxyAllow: a principal outside Allow gets 403 and never reaches the
// backend; a realm entry lets the realm's users through.
func TestProxyAllow(t *testing.T) {
	for _, tc := range []struct {
		allow []string
		want  int
	}{
		{[]string{"@OTHER.TEST"}, http.StatusForbidden},
		{[]string{"bob@" + testrealm.Name}, http.StatusForbidden},
		{[]string{"@" + testrealm.Name}, http.StatusOK},
		{[]string{"bob@X", alice()}, http.StatusOK},
	} {
		t.Run(strings.Join(tc.allow, ","), func(t *testing.T) {
			b := newBackend(t, nil)
			base, _ := front(t, b, func(p *authproxy.Proxy) { p.Allow = tc.allow })
			req, _ := http.NewRequest("GET", base+"/", nil)
			resp, body := do(t, client(t, nil), req)
			assert.Equal(t, tc.want, resp.StatusCode, body)
			if tc.want != http.StatusOK {
				assert.Zero(t, b.count())
			}
		})
	}
}

// TestProxyMultiLegAndKeepAlive: without the optimistic token the exchange
// takes three legs and both mechListMICs (windows profile, AES); with
// ConnectionAuth a later request on the same connection needs no token.
func TestProxyMultiLegAndKeepAlive(t *testing.T) {
	b := newBackend(t, nil)
	base, log := front(t, b, func(p *authproxy.Proxy) { p.Auth.ConnectionAuth = true })
	c := client(t, func(tr *httpauth.Transport) { tr.Config.NoOptimisticToken = true })
	req, _ := http.NewRequest("GET", base+"/one", nil)
	resp, body := do(t, c, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	res := httpauth.ResultOf(resp)
	require.NotNil(t, res)
	assert.Equal(t, 3, res.Legs, "NegTokenInit; AP-REQ; the initiator's MIC")
	v := res.Transcript.Verdict
	assert.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
	assert.True(t, v.Initiator.Present && v.Acceptor.Present, "MICs both ways")
	assert.Contains(t, log.String(), `"GET /one HTTP/1.1" 200 `+alice()+` verdict=ok`)
	assert.Regexp(t, `initiator-mic="due \([a-z-]+\), present in token \d+ \(rfc4121, valid\)"`, log.String())

	// Keep-alive: one pooled connection, a token on the first request only.
	prov := lab.Provider(t)
	target, err := prov.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	defer target.Release()
	ini, err := negotiate.NewClient(target, negotiate.Config{Provider: prov})
	require.NoError(t, err)
	defer ini.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	one := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer one.CloseIdleConnections()
	local := strings.Replace(base, "localhost", "127.0.0.1", 1)
	for i, auth := range []string{"Negotiate " + base64.StdEncoding.EncodeToString(tok), ""} {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/keep%d", local, i), nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, body := do(t, one, req)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, "X-Remote-User: "+alice())
	}
	assert.Contains(t, log.String(), `"GET /keep0 HTTP/1.1" 200 `+alice()+` verdict=ok`)
	assert.Regexp(t, `"GET /keep1 HTTP/1.1" 200 `+alice()+` .* reused=yes`, log.String())
}

// TestProxyCurl: curl --negotiate (MIT's SPNEGO) through the proxy, and
// without a ticket the proxy's 401 passes through.
func TestProxyCurl(t *testing.T) {
	r := testrealm.Shared(t)
	b := newBackend(t, nil)
	base, _ := front(t, b, nil)
	u, _ := url.Parse(base)
	resolve := "localhost:" + u.Port() + ":127.0.0.1"
	res := httppeer.Curl(t, r.Env(), "--negotiate", "-u", ":", "--resolve", resolve, base+"/x")
	require.Equal(t, "200", res.Code, res.Headers+res.Body)
	assert.Contains(t, res.Body, "X-Remote-User: "+alice())
	assert.Regexp(t, `(?mi)^WWW-Authenticate: Negotiate oY`, res.Headers, "the proxy's final token")

	res = httppeer.Curl(t, append(r.Env(), "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "none")),
		"--negotiate", "-u", ":", "--resolve", resolve, base+"/x")
	assert.Equal(t, "401", res.Code)
}

// TestProxyBackendChallengeDropped: the backend's own Negotiate challenge
// never reaches the client (its exchange is with the proxy); a Basic one
// does. A backend that is down gives 502 and an access log error.
func TestProxyBackendChallengeDropped(t *testing.T) {
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("WWW-Authenticate", "Negotiate")
		w.Header().Add("WWW-Authenticate", `Basic realm="app"`)
	})
	base, log := front(t, b, nil)
	req, _ := http.NewRequest("GET", base+"/", nil)
	resp, body := do(t, client(t, nil), req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	vals := resp.Header.Values("WWW-Authenticate")
	require.Len(t, vals, 2, "%q", vals)
	assert.Regexp(t, `^Negotiate oY`, vals[0], "the proxy's final token")
	assert.Equal(t, `Basic realm="app"`, vals[1])

	b.Close()
	req, _ = http.NewRequest("GET", base+"/down", nil)
	resp, _ = do(t, client(t, nil), req)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Regexp(t, `"GET /down HTTP/1.1" 502 `+alice()+` .* error="`, log.String())
}

// TestProxyConfigErrors: a proxy without a backend, an authenticator or
// with an empty Allow entry is refused when built.
func TestProxyConfigErrors(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1/")
	var prov gss.Provider
	for name, p := range map[string]*authproxy.Proxy{
		"no backend":   {Auth: &httpauth.Server{}},
		"relative":     {Backend: &url.URL{Path: "/x"}, Auth: &httpauth.Server{}},
		"no auth":      {Backend: u},
		"empty allow":  {Backend: u, Auth: &httpauth.Server{}, Allow: []string{""}},
		"bare @ allow": {Backend: u, Auth: &httpauth.Server{Config: negotiate.Config{Provider: prov}}, Allow: []string{"@"}},
	} {
		_, err := p.Handler()
		assert.ErrorContains(t, err, "authproxy: ", name)
	}
}

// TestProxyTLSChannelBindings: served over TLS with the acceptor bound to
// the proxy's certificate (what `gssnego proxy -cert` does), a client that
// binds to the certificate it sees gets through; one bound to another
// certificate (a TLS-terminating man in the middle) is refused.
func TestProxyTLSChannelBindings(t *testing.T) {
	testrealm.Shared(t)
	prov := lab.Provider(t)
	b := newBackend(t, nil)
	u, _ := url.Parse(b.URL)
	cert, leaf := selfSigned(t)
	auth := &httpauth.Server{Config: negotiate.Config{Provider: prov, ChannelBindings: tlsbinding.ServerEndPoint(leaf)}}
	p := &authproxy.Proxy{Backend: u, Auth: auth}
	h, err := p.Handler()
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	auth.Install(ts.Config)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pu, _ := url.Parse(ts.URL)
	base := "https://localhost:" + pu.Port()
	roots := x509.NewCertPool()
	roots.AddCert(leaf)

	tlsClient := func(cfg func(*httpauth.Transport)) *http.Client {
		c := client(t, cfg)
		c.Transport.(*httpauth.Transport).Base.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots}
		return c
	}
	req, _ := http.NewRequest("GET", base+"/", nil)
	resp, body := do(t, tlsClient(func(tr *httpauth.Transport) { tr.ChannelBindings = true }), req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Contains(t, body, "X-Remote-User: "+alice())

	other := &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:another certificate")}
	req, _ = http.NewRequest("GET", base+"/", nil)
	resp, err = tlsClient(func(tr *httpauth.Transport) { tr.Config.ChannelBindings = other }).Do(req)
	if err == nil {
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "wrong channel bindings must not pass")
	}
	assert.Equal(t, 1, b.count(), "only the bound client reached the backend")
}

// selfSigned makes a certificate for "localhost".
func selfSigned(t *testing.T) (tls.Certificate, *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}

// TestProxyCLI: `gssnego proxy` as its own process in front of a backend:
// curl --negotiate gets the backend's page with the principal header, the
// access log line reaches standard output, SIGTERM stops it with status 0.
func TestProxyCLI(t *testing.T) {
	lab.Provider(t) // the CLI is built as this binary was
	r := testrealm.Shared(t)
	bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
	b := newBackend(t, nil)
	cmd := exec.Command(bin, "proxy", "-listen", "127.0.0.1:0", "-backend", b.URL,
		"-header", "X-Authenticated-User", "-allow", "@"+testrealm.Name, "-keytab", r.Keytab)
	cmd.Env = append(os.Environ(), r.Env()...)
	var stdout syncBuffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err, "the proxy's first line")
	m := regexp.MustCompile(`listening on http://127\.0\.0\.1:(\d+),`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	go io.Copy(io.Discard, stderr)

	base := "http://localhost:" + m[1]
	res := httppeer.Curl(t, r.Env(), "--negotiate", "-u", ":", "-H", "X-Authenticated-User: mallory",
		"--resolve", "localhost:"+m[1]+":127.0.0.1", base+"/cli")
	require.Equal(t, "200", res.Code, res.Headers+res.Body)
	assert.Contains(t, res.Body, "X-Authenticated-User: "+alice())
	assert.NotContains(t, res.Body, "mallory")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, cmd.Wait(), "exit status 0 after SIGTERM")
	assert.Regexp(t, `"GET /cli HTTP/1.1" 200 `+alice()+` verdict=ok `, stdout.String())
}

// TestProxyChromium: headless Chromium (MIT GSSAPI underneath) loads the
// backend's page through the proxy; the page shows the principal the proxy
// passed.
func TestProxyChromium(t *testing.T) {
	r := testrealm.Shared(t)
	b := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	})
	base, log := front(t, b, nil)
	dom, stderr := httppeer.Chromium(t, r.Env(),
		append(httppeer.ChromiumFlags(httppeer.ChromiumProfile(t)), "--dump-dom", base+"/browser")...)
	require.Contains(t, dom, "X-Remote-User: "+alice(), "DOM:\n%s\nstderr:\n%s\nlog:\n%s", dom, stderr, log.String())
	assert.Contains(t, log.String(), `"GET /browser HTTP/1.1" 200 `+alice()+` verdict=ok`)
}

// TestProxyDelegateToApache: with Delegate the proxy reaches its backend,
// Apache httpd + mod_auth_gssapi, as the client with the credential the
// client delegated: Apache's own authentication names alice. A client that
// delegates nothing gets 403 and Apache is never asked.
func TestProxyDelegateToApache(t *testing.T) {
	r := testrealm.Shared(t)
	ap := apache.Start(t, r, apache.AllowedMechs("krb5"))
	prov := lab.Provider(t)
	u, _ := url.Parse(ap.URL)
	u.Host = ap.Addr // dial 127.0.0.1; the SPN stays HTTP@localhost
	log := &syncBuffer{}
	p := &authproxy.Proxy{Backend: u, Auth: &httpauth.Server{Config: negotiate.Config{Provider: prov}},
		Delegate: true, BackendSPN: "HTTP@" + ap.Host, AccessLog: log}
	h, err := p.Handler()
	require.NoError(t, err)
	ts := httptest.NewUnstartedServer(h)
	p.Auth.Install(ts.Config)
	ts.Start()
	t.Cleanup(ts.Close)
	pu, _ := url.Parse(ts.URL)
	base := "http://localhost:" + pu.Port()

	req, _ := http.NewRequest("GET", base+apache.PathProtected, nil)
	resp, body := do(t, client(t, func(tr *httpauth.Transport) { tr.Delegate = httpauth.DelegateAlways }), req)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s\nlog: %s", body, log.String())
	assert.Equal(t, alice(), strings.TrimSpace(body), "Apache authenticated alice herself")

	req, _ = http.NewRequest("GET", base+apache.PathProtected, nil)
	resp, body = do(t, client(t, nil), req)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	assert.Contains(t, body, "delegated no credential")
	assert.Regexp(t, `" 403 `+alice()+` .*error="httpauth: the client delegated no credential`, log.String())
}
