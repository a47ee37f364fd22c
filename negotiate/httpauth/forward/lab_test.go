//go:build linux

package forward_test

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
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/squid"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/forward"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// fwd is a running forward proxy with its access log.
type fwd struct {
	URL   string // http://127.0.0.1:port
	Proxy *forward.Proxy
	mu    sync.Mutex
	log   []forward.Entry
	text  bytes.Buffer
}

func (f *fwd) entries() []forward.Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]forward.Entry(nil), f.log...)
}

// startForward runs a forward.Proxy with router on a loopback port.
func startForward(t *testing.T, router forward.Router, cfg func(*forward.Config)) *fwd {
	t.Helper()
	f := &fwd{}
	write := forward.WriteLog(&lockedWriter{mu: &f.mu, w: &f.text})
	c := forward.Config{
		Auth:   &httpauth.Transport{Config: negotiate.Config{Provider: lab.Provider(t)}},
		Router: router,
		Log: func(e forward.Entry) {
			write(e)
			f.mu.Lock()
			f.log = append(f.log, e)
			f.mu.Unlock()
		},
	}
	if cfg != nil {
		cfg(&c)
	}
	p, err := forward.New(c)
	require.NoError(t, err)
	f.Proxy = p
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); p.Close(); t.Logf("forward access log:\n%s", f.logText()) })
	f.URL = "http://" + ln.Addr().String()
	return f
}

// waitEntries waits for n access-log entries (tunnels log when they close).
func waitEntries(t *testing.T, f *fwd, n int) []forward.Entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		es := f.entries()
		if len(es) >= n || time.Now().After(deadline) {
			require.Len(t, es, n)
			return es
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fwd) logText() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.text.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

// Write is called with mu held by nobody: WriteLog serialises its own lines.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// originHost is a name for this machine that is neither "localhost" nor an
// IP literal, so Go's ProxyFromEnvironment proxies it (it never proxies
// loopback), and that Squid resolves through /etc/hosts: the host name.
func originHost(t *testing.T) (name string, ip net.IP) {
	t.Helper()
	h, err := os.Hostname()
	require.NoError(t, err)
	addrs, err := net.LookupIP(h)
	if err != nil || len(addrs) == 0 {
		lab.Unavailable(t, "host name %q does not resolve: %v", h, err)
	}
	for _, a := range addrs {
		if a.To4() != nil {
			return h, a
		}
	}
	return h, addrs[0]
}

// origin is a plain and a TLS origin on the host name's address, recording
// the proxy/authorization headers they see.
type origin struct {
	Plain, Secure *httptest.Server
	Host          string
	CertPEM       []byte // the TLS origin's certificate, for SSL_CERT_FILE
	mu            sync.Mutex
	sawAuth       []string
}

func startOrigin(t *testing.T, h http.Handler) *origin {
	t.Helper()
	name, ip := originHost(t)
	o := &origin{Host: name}
	wrap := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, k := range []string{"Authorization", "Proxy-Authorization"} {
			if v := r.Header.Get(k); v != "" {
				o.mu.Lock()
				o.sawAuth = append(o.sawAuth, k+": "+v)
				o.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		require.NoError(t, err)
		return ln
	}
	o.Plain = &httptest.Server{Listener: listen(), Config: &http.Server{Handler: wrap}}
	o.Plain.Start()
	o.Secure = &httptest.Server{Listener: listen(), Config: &http.Server{Handler: wrap}}
	cert, pemCert := hostCert(t, name)
	o.Secure.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	o.CertPEM = pemCert
	o.Secure.StartTLS()
	t.Cleanup(o.Plain.Close)
	t.Cleanup(o.Secure.Close)
	return o
}

// url is srv's URL with the origin's host name.
func (o *origin) url(srv *httptest.Server, path string) string {
	u, _ := url.Parse(srv.URL)
	u.Host = net.JoinHostPort(o.Host, u.Port())
	return u.String() + path
}

func (o *origin) credentialsSeen() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.sawAuth...)
}

var page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "origin page") })

func squidUpstream(t *testing.T) (*squid.Proxy, *url.URL) {
	t.Helper()
	r := testrealm.Shared(t)
	sq := squid.Start(t, r)
	u, err := url.Parse(sq.URL)
	require.NoError(t, err)
	return sq, u
}

// squidUsers returns the user column of Squid's access log lines that
// contain substr (native format: time elapsed client code/status bytes
// method URL user hierarchy type).
func squidLog(t *testing.T, sq *squid.Proxy) string {
	t.Helper()
	// Squid writes its access log through a buffer; give it a moment.
	var b []byte
	for i := 0; i < 50; i++ {
		b, _ = os.ReadFile(sq.AccessLog)
		if len(b) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return string(b)
}

// waitSquidLog waits until Squid's access log has a line with all of parts.
func waitSquidLog(t *testing.T, sq *squid.Proxy, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		log := squidLog(t, sq)
		for _, line := range strings.Split(log, "\n") {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q in squid's access log:\n%s", parts, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestForwardSquid: curl, git and a net/http program reach origins through
// gssnego forward → Squid 5 requiring Negotiate (negotiate_kerberos_auth).
func TestForwardSquid(t *testing.T) {
	r := testrealm.Shared(t)
	sq, up := squidUpstream(t)
	f := startForward(t, forward.Static(up), nil)
	o := startOrigin(t, page)
	user := r.Principal(r.User)
	env := append(os.Environ(), r.Env()...)

	t.Run("curl", func(t *testing.T) {
		curl := lab.NeedCommand(t, "curl")[0]
		// Three URLs in one curl: one connection to us, so one upstream
		// connection and one authentication.
		u := o.url(o.Plain, "/curl")
		out, err := exec.Command(curl, "-sS", "--fail", "-x", f.URL, u, u, u).CombinedOutput()
		require.NoError(t, err, "%s\nsquid:\n%s", out, sq.Log())
		assert.Equal(t, strings.Repeat("origin page", 3), string(out))
		waitSquidLog(t, sq, "/curl", user, "TCP_MISS/200")
	})

	t.Run("curl-https", func(t *testing.T) {
		curl := lab.NeedCommand(t, "curl")[0]
		out, err := exec.Command(curl, "-sS", "--fail", "-k", "-x", f.URL, o.url(o.Secure, "/tls")).CombinedOutput()
		require.NoError(t, err, "%s\nsquid:\n%s", out, sq.Log())
		assert.Equal(t, "origin page", string(out))
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(o.Secure.URL, "https://"))
		waitSquidLog(t, sq, "CONNECT", o.Host+":"+port, user)
	})

	t.Run("go-ProxyFromEnvironment", func(t *testing.T) {
		bin := buildEnvClient(t)
		cmd := exec.Command(bin, o.url(o.Plain, "/go-plain"), o.url(o.Secure, "/go-tls"))
		cmd.Env = append(env, "HTTP_PROXY="+f.URL, "HTTPS_PROXY="+f.URL, "NO_PROXY=", "SSL_CERT_FILE="+writeCert(t, o.CertPEM))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, "200 origin page\n200 origin page\n", string(out))
		waitSquidLog(t, sq, "/go-plain", user, "TCP_MISS/200")
	})

	t.Run("git-clone", func(t *testing.T) {
		git := lab.NeedCommand(t, "git")[0]
		gitOrigin := startGitOrigin(t, git)
		dst := filepath.Join(t.TempDir(), "clone")
		cmd := exec.Command(git, "-c", "http.proxy="+f.URL, "clone", gitOrigin+"/repo.git", dst)
		cmd.Env = append(env, "GIT_TERMINAL_PROMPT=0", "NO_PROXY=", "no_proxy=")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\nsquid:\n%s", out, squidLog(t, sq))
		b, err := os.ReadFile(filepath.Join(dst, "README"))
		require.NoError(t, err)
		assert.Equal(t, "cloned through gssnego forward\n", string(b))
		waitSquidLog(t, sq, "git-upload-pack", user, "TCP_MISS/200")
	})

	assert.Empty(t, o.credentialsSeen(), "no credential reaches an origin through the proxy")
	var negotiated, reused int
	for _, e := range f.entries() {
		switch e.Auth {
		case forward.AuthNotProven, forward.AuthMutual:
			negotiated++
			assert.Equal(t, user, e.User)
		case forward.AuthNone:
			reused++
		}
	}
	assert.Greater(t, reused, 0, "an authenticated upstream connection served later requests")
	assert.Contains(t, f.logText(), forward.AuthNotProven, "Squid never sends a final token")
	t.Logf("exchanges: %d negotiated, %d requests on an authenticated connection", negotiated, reused)
}

// buildEnvClient builds testdata/envclient: a program that uses only
// net/http (the default client, so ProxyFromEnvironment).
var envClient struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

func buildEnvClient(t *testing.T) string {
	t.Helper()
	goBin := lab.NeedCommand(t, "go")[0]
	envClient.once.Do(func() {
		dir, err := os.MkdirTemp("", "gssnego-envclient")
		if err != nil {
			envClient.err = err
			return
		}
		envClient.path = filepath.Join(dir, "envclient")
		cmd := exec.Command(goBin, "build", "-o", envClient.path, "./testdata/envclient")
		envClient.out, envClient.err = cmd.CombinedOutput()
	})
	require.NoError(t, envClient.err, "%s", envClient.out)
	return envClient.path
}

// writeCert writes a PEM certificate for SSL_CERT_FILE.
func writeCert(t *testing.T, pemCert []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "origin.pem")
	require.NoError(t, os.WriteFile(p, pemCert, 0o644))
	return p
}

// hostCert makes a self-signed certificate for host.
func hostCert(t *testing.T, host string) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host},
		DNSNames: []string{host}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// startGitOrigin serves a bare repository with git http-backend (CGI) on
// the origin's host name and returns the base URL.
func startGitOrigin(t *testing.T, git string) string {
	t.Helper()
	root := t.TempDir()
	work := filepath.Join(root, "work")
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.test",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.test", "GIT_CONFIG_NOSYSTEM=1", "HOME="+root)
	run := func(dir string, args ...string) {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = dir, gitEnv
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %s: %s", args, out)
	}
	require.NoError(t, os.MkdirAll(work, 0o755))
	run(work, "init", "-q")
	require.NoError(t, os.WriteFile(filepath.Join(work, "README"), []byte("cloned through gssnego forward\n"), 0o644))
	run(work, "add", "README")
	run(work, "commit", "-q", "-m", "first")
	run(root, "clone", "-q", "--bare", work, filepath.Join(root, "srv", "repo.git"))
	h := &cgi.Handler{Path: git, Args: []string{"http-backend"}, Dir: root,
		Env: []string{"GIT_PROJECT_ROOT=" + filepath.Join(root, "srv"), "GIT_HTTP_EXPORT_ALL=1"}}
	name, ip := originHost(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	require.NoError(t, err)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "http://" + net.JoinHostPort(name, port)
}

// TestForwardDirectNoCredential: a route to DIRECT never carries our
// credential, and the tool's own Proxy-Authorization (meant for us) is
// dropped; the tool's Authorization for the origin is its business and
// goes through.
func TestForwardDirectNoCredential(t *testing.T) {
	o := startOrigin(t, page)
	f := startForward(t, forward.Static(), nil)
	pu, _ := url.Parse(f.URL)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, u := range []string{o.url(o.Plain, "/direct"), o.url(o.Secure, "/direct")} {
		req, _ := http.NewRequest("GET", u, nil)
		if strings.HasPrefix(u, "http:") {
			// Meant for us; inside a tunnel it would be the tool's doing.
			req.Header.Set("Proxy-Authorization", "Basic dG9vbDpzZWNyZXQ=")
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "origin page", string(b))
	}
	assert.Empty(t, o.credentialsSeen())
	for _, e := range f.entries() {
		assert.Equal(t, "DIRECT", e.Route)
		assert.Equal(t, forward.AuthDirect, e.Auth)
	}
}

// fakeUpstream is a proxy that answers every request and CONNECT with
// 407 and the given challenges, counting what it got.
func fakeUpstream(t *testing.T, challenges ...string) (*url.URL, *int) {
	t.Helper()
	n := new(int)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*n++
		mu.Unlock()
		for _, c := range challenges {
			w.Header().Add("Proxy-Authenticate", c)
		}
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	u.Host = "localhost:" + u.Port() // HTTP@localhost is in the realm
	return u, n
}

// TestForwardUpstreamRefuses: an upstream that refuses our token, or asks
// for a scheme we lack, gives the tool a 502 naming the cause, at once.
func TestForwardUpstreamRefuses(t *testing.T) {
	testrealm.Shared(t)
	for _, tc := range []struct {
		name       string
		challenges []string
		want       string
	}{
		{"refuses-token", []string{"Negotiate"}, "refused our Negotiate credential"},
		{"basic-only", []string{`Basic realm="corp"`}, "not Negotiate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, _ := fakeUpstream(t, tc.challenges...)
			f := startForward(t, forward.Static(up), nil)
			pu, _ := url.Parse(f.URL)
			c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
			resp, err := c.Get("http://origin.invalid/x")
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
			assert.Contains(t, string(b), tc.want)

			// CONNECT: Go's client reports the status; curl shows the body.
			conn, err := net.DialTimeout("tcp", pu.Host, 5*time.Second)
			require.NoError(t, err)
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprintf(conn, "CONNECT origin.invalid:443 HTTP/1.1\r\nHost: origin.invalid:443\r\n\r\n")
			cresp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			cb, _ := io.ReadAll(cresp.Body)
			assert.Equal(t, http.StatusBadGateway, cresp.StatusCode)
			if tc.name == "basic-only" {
				assert.Contains(t, string(cb), "asking for Basic, not Negotiate")
				for _, e := range f.entries() {
					assert.Equal(t, forward.AuthOtherScheme, e.Auth)
				}
			} else {
				assert.Contains(t, string(cb), tc.want)
			}
		})
	}
}

// TestForwardFailover: the first upstream refuses connections, the second
// (Squid) serves; the first is then tried last.
func TestForwardFailover(t *testing.T) {
	r := testrealm.Shared(t)
	sq, up := squidUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := ln.Addr().String()
	ln.Close()
	dead := &url.URL{Scheme: "http", Host: deadAddr}
	f := startForward(t, forward.Static(dead, up), nil)
	o := startOrigin(t, page)
	pu, _ := url.Parse(f.URL)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, u := range []string{o.url(o.Plain, "/failover"), o.url(o.Secure, "/failover-tls"), o.url(o.Plain, "/failover2")} {
		resp, err := c.Get(u)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, "%s", b)
	}
	c.CloseIdleConnections() // a tunnel is logged when it closes
	es := waitEntries(t, f, 3)
	byTarget := map[string]forward.Entry{}
	for _, e := range es {
		byTarget[e.Target[strings.LastIndex(e.Target, "/")+1:]] = e
	}
	assert.Equal(t, []string{deadAddr}, byTarget["failover"].Failover, "the dead proxy was tried first")
	assert.Equal(t, up.Host, byTarget["failover"].Route)
	assert.Empty(t, byTarget["failover2"].Failover, "then it is tried last")
	waitSquidLog(t, sq, "/failover2", r.Principal(r.User))
	assert.Empty(t, o.credentialsSeen())
}

// provingProxy is an upstream that authenticates with our own acceptor
// and, unlike Squid, returns its final token on the 200 (and answers the
// request itself: an origin is not needed to see the verdict).
func provingProxy(t *testing.T) *url.URL {
	t.Helper()
	p := lab.Provider(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get("Proxy-Authorization")
		tok, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(v, "Negotiate "))
		if v == "" || err != nil {
			w.Header().Set("Proxy-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		acc, err := negotiate.NewServer(negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer acc.Close()
		out, err := acc.Continue(tok)
		if err != nil || acc.ContinueNeeded() {
			w.Header().Set("Proxy-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		w.Header().Set("Proxy-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(out))
		fmt.Fprint(w, "proving proxy")
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	u.Host = "localhost:" + u.Port() // HTTP/localhost is in the keytab
	return u
}

// TestForwardMutual: an upstream that proves itself with its final token
// is verified and logged so; -require-mutual (ProxyRequireMutual) refuses
// one that does not (Squid's case is TestForwardSquid).
func TestForwardMutual(t *testing.T) {
	testrealm.Shared(t)
	f := startForward(t, forward.Static(provingProxy(t)), nil)
	pu, _ := url.Parse(f.URL)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
	resp, err := c.Get("http://origin.invalid/")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "%s", b)
	assert.Equal(t, "proving proxy", string(b))
	es := waitEntries(t, f, 1)
	assert.Equal(t, forward.AuthMutual, es[0].Auth)

	t.Run("require-mutual-squid", func(t *testing.T) {
		_, up := squidUpstream(t)
		f := startForward(t, forward.Static(up), func(c *forward.Config) { c.Auth.ProxyRequireMutual = true })
		pu, _ := url.Parse(f.URL)
		c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
		// A success needs the proof (an error status from the proxy is
		// passed on as it is).
		o := startOrigin(t, page)
		resp, err := c.Get(o.url(o.Plain, "/mutual"))
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
		assert.Contains(t, string(b), "did not complete mutual authentication")
	})
}

// TestForwardLoop: an upstream that is the proxy itself (a mistyped
// -upstream, a PAC answer naming it) is stopped at the second pass (508)
// instead of looping until the descriptors run out.
func TestForwardLoop(t *testing.T) {
	var self *url.URL
	f := startForward(t, forward.RouterFunc(func(context.Context, *url.URL) ([]*url.URL, error) {
		return []*url.URL{self}, nil
	}), nil)
	self, _ = url.Parse(f.URL)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(self)}}
	resp, err := c.Get("http://origin.invalid/again")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusLoopDetected, resp.StatusCode)
}
