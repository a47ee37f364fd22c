package forward

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// Defaults of Config's zero values.
const (
	DefaultDownFor        = 30 * time.Second
	DefaultConnectTimeout = 30 * time.Second
	// DefaultReplayLimit is how much of a request body is kept in memory
	// so the request can be sent again after the upstream's 407. A larger
	// body streams, and fails with 502 if the upstream asks for
	// authentication on its connection.
	DefaultReplayLimit = 1 << 20
	// DefaultMaxUpstreamConns bounds the connections to one upstream for
	// plain http (tunnels have one each).
	DefaultMaxUpstreamConns = 64
	// DefaultMaxTunnelSetups: see Config.MaxTunnelSetups.
	DefaultMaxTunnelSetups = 16
)

// Config configures a Proxy.
type Config struct {
	// Auth answers the upstream's challenges; its Config (provider,
	// profile), Native, ProxySPN and ProxyRequireMutual apply. Its Proxy
	// and Base are set by New (Base's dialer and TLS settings are kept
	// when it is an *http.Transport). Required.
	Auth *httpauth.Transport
	// Router picks the upstreams of each request (Static or a PAC file).
	// Required.
	Router Router
	// Allow lists the client networks served besides loopback (which is
	// always served).
	Allow []netip.Prefix
	// Dial makes every outgoing TCP connection (upstreams and DIRECT);
	// nil means a net.Dialer with DefaultConnectTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DownFor is how long an upstream that refused connections is tried
	// last; 0 means DefaultDownFor.
	DownFor time.Duration
	// ConnectTimeout bounds a tunnel's setup (dial and authentication);
	// 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ReplayLimit: see DefaultReplayLimit (0 means it).
	ReplayLimit int64
	// MaxUpstreamConns: see DefaultMaxUpstreamConns (0 means it).
	MaxUpstreamConns int
	// MaxTunnelSetups bounds the CONNECTs being opened at once (dial and
	// authentication), so a burst of tools does not queue hundreds of
	// tickets at the upstream's authentication helpers (Squid runs a few);
	// 0 means DefaultMaxTunnelSetups. Open tunnels are not bounded.
	MaxTunnelSetups int
	// Log, when set, gets one Entry per request or tunnel.
	Log func(Entry)
}

// Proxy is the forward proxy, an http.Handler for an http.Server.
type Proxy struct {
	auth    *httpauth.Transport
	router  Router
	allow   []netip.Prefix
	direct  *http.Transport
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	health  *health
	timeout time.Duration
	replay  int64
	log     func(Entry)

	via     string        // this proxy's Via entry (RFC 9110 §7.6.3), unique per Proxy
	setups  chan struct{} // tunnel setups in progress
	tunnels atomic.Int64  // open CONNECT tunnels (Tunnels)
}

type hopKey struct{}

// New makes a Proxy. It takes over cfg.Auth (its Proxy and Base are set).
func New(cfg Config) (*Proxy, error) {
	if cfg.Auth == nil || cfg.Router == nil {
		return nil, errors.New("forward: Config.Auth and Config.Router are required")
	}
	p := &Proxy{auth: cfg.Auth, router: cfg.Router, allow: cfg.Allow, dial: cfg.Dial,
		health: &health{downFor: cfg.DownFor}, timeout: cfg.ConnectTimeout, replay: cfg.ReplayLimit, log: cfg.Log}
	if p.dial == nil {
		p.dial = (&net.Dialer{Timeout: DefaultConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	}
	if p.health.downFor <= 0 {
		p.health.downFor = DefaultDownFor
	}
	if p.timeout <= 0 {
		p.timeout = DefaultConnectTimeout
	}
	if p.replay <= 0 {
		p.replay = DefaultReplayLimit
	}
	var id [6]byte
	rand.Read(id[:])
	p.via = "1.1 gssnego-forward-" + hex.EncodeToString(id[:])
	setups := cfg.MaxTunnelSetups
	if setups <= 0 {
		setups = DefaultMaxTunnelSetups
	}
	p.setups = make(chan struct{}, setups)
	maxConns := cfg.MaxUpstreamConns
	if maxConns <= 0 {
		maxConns = DefaultMaxUpstreamConns
	}
	var up *http.Transport
	if b, ok := p.auth.Base.(*http.Transport); ok && b != nil {
		up = b.Clone()
	} else {
		up = http.DefaultTransport.(*http.Transport).Clone()
	}
	up.DialContext = p.dial
	up.MaxConnsPerHost = maxConns
	up.MaxIdleConnsPerHost = maxConns
	up.IdleConnTimeout = 90 * time.Second
	up.DisableCompression = true // the tool's Accept-Encoding goes through as it is
	up.ForceAttemptHTTP2 = false
	p.auth.Base = up
	// The upstream of a request is the one the failover loop is trying,
	// carried in the request's context.
	p.auth.Proxy = func(r *http.Request) (*url.URL, error) {
		u, _ := r.Context().Value(hopKey{}).(*url.URL)
		return u, nil
	}
	// Kerberos needs one leg and Squid authenticates the connection: legs
	// go through the shared pool so an authenticated connection is reused
	// by later requests. (A multi-leg NTLM exchange may then meet
	// ErrConnectionChanged under load; it is retried once pinned.)
	p.auth.Affinity = httpauth.AffinityBase
	p.direct = &http.Transport{DialContext: p.dial, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second,
		DisableCompression: true, TLSHandshakeTimeout: 10 * time.Second}
	return p, nil
}

// setAuth records the upstream's verdict and who authenticated. A proxy
// that never sends its final token (Squid) leaves the context incomplete,
// and an incomplete context does not name its initiator: the user is then
// the default credential's, which is what the exchange used.
func (p *Proxy) setAuth(e *Entry, hop *url.URL, res *httpauth.Result) {
	e.setAuth(hop, res)
	if res == nil || e.User != "" || res.Target == "" {
		return
	}
	prov := p.auth.Config.Provider
	if prov == nil {
		return
	}
	cred, err := prov.AcquireCredential(nil, nil, gss.CredInitiateOnly)
	if err != nil {
		return
	}
	defer cred.Release()
	if info, err := cred.Inquire(); err == nil {
		e.User = info.Name
	}
}

// Close drops idle upstream and DIRECT connections.
func (p *Proxy) Close() {
	p.auth.CloseIdleConnections()
	p.direct.CloseIdleConnections()
}

// Tunnels returns the number of CONNECT tunnels open now.
func (p *Proxy) Tunnels() int64 { return p.tunnels.Load() }

// allowed says whether the client at remote (host:port) may use the proxy.
func (p *Proxy) allowed(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	if a.IsLoopback() {
		return true
	}
	for _, pf := range p.allow {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e := &Entry{Start: time.Now(), Client: r.RemoteAddr, Method: r.Method}
	defer func() {
		e.Duration = time.Since(e.Start)
		if p.log != nil {
			p.log(*e)
		}
	}()
	if !p.allowed(r.RemoteAddr) {
		e.Target = r.RequestURI
		p.fail(w, e, http.StatusForbidden, "client %s is not allowed (only loopback unless -allow)", r.RemoteAddr)
		return
	}
	t, err := ParseTarget(r.Method, r.RequestURI, r.Host)
	if err != nil {
		e.Target = r.RequestURI
		p.fail(w, e, http.StatusBadRequest, "%v", err)
		return
	}
	e.Target = t.String()
	// A request that already passed here (a tool, or a PAC DIRECT route,
	// pointing at this proxy itself) would otherwise loop until the
	// descriptors run out.
	for _, v := range r.Header.Values("Via") {
		if strings.Contains(v, p.via) {
			p.fail(w, e, http.StatusLoopDetected, "request loops back to this proxy")
			return
		}
	}
	if r.Method == http.MethodConnect {
		p.serveConnect(w, r, t, e)
		return
	}
	p.serveHTTP(w, r, t, e)
}

// fail answers the tool with status and a one-line reason, which also goes
// to the log.
func (p *Proxy) fail(w http.ResponseWriter, e *Entry, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.Status, e.Err = status, msg
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Gssnego-Forward-Error", sanitizeHeader(msg))
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	fmt.Fprintf(w, "gssnego forward: %s\n", msg)
}

// sanitizeHeader keeps msg a legal one-line header value.
func sanitizeHeader(msg string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return ' '
		}
		return r
	}, msg)
}

func (p *Proxy) route(ctx context.Context, u *url.URL) ([]*url.URL, error) {
	hops, err := p.router.Route(ctx, u)
	if err != nil {
		return nil, err
	}
	if len(hops) == 0 {
		return nil, errors.New("the router returned no route")
	}
	return p.health.order(hops), nil
}

// isDialError says whether err happened before anything reached the
// upstream, so the next upstream may be tried with the same request.
// net/http reports a refused proxy as a "proxyconnect" error around the
// dial's.
func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && (oe.Op == "dial" || oe.Op == "proxyconnect")
}

// serveHTTP forwards a plain http request.
func (p *Proxy) serveHTTP(w http.ResponseWriter, r *http.Request, t *Target, e *Entry) {
	hops, err := p.route(r.Context(), t.URL)
	if err != nil {
		p.fail(w, e, http.StatusBadGateway, "no route for %s: %v", t, err)
		return
	}
	body, err := p.replayableBody(r)
	if err != nil {
		p.fail(w, e, http.StatusBadRequest, "reading the request body: %v", err)
		return
	}
	var lastErr error
	for i, hop := range hops {
		if i > 0 && !body.replayable {
			break // the body went to the previous upstream
		}
		e.Route = hopName(hop)
		out := outgoing(r, t, hop != nil)
		out.Header.Add("Via", p.via)
		out.Body, out.GetBody, out.ContentLength = body.get(), body.getBody, body.length
		switch {
		case body.streaming:
			out.GetBody = nil // a 407 then fails with httpauth.ErrBodyNotReplayable
		case body.length == 0:
			out.Body, out.GetBody = http.NoBody, nil
		}
		var resp *http.Response
		var res *httpauth.Result
		if hop == nil {
			resp, err = p.direct.RoundTrip(out)
		} else {
			out = out.WithContext(context.WithValue(out.Context(), hopKey{}, hop))
			resp, res, err = p.auth.ProxyRoundTrip(out)
			if errors.Is(err, httpauth.ErrConnectionChanged) && body.replayable {
				out.Body = body.get()
				resp, res, err = p.auth.ProxyRoundTrip(out)
			}
		}
		p.setAuth(e, hop, res)
		if err != nil {
			lastErr = err
			if isDialError(err) && r.Context().Err() == nil {
				e.Auth = ""
				p.health.markDown(hop)
				e.Failover = append(e.Failover, hopName(hop))
				continue
			}
			p.fail(w, e, http.StatusBadGateway, "%s: %v", hopName(hop), err)
			return
		}
		defer resp.Body.Close()
		e.Upstream = resp.StatusCode
		if hop != nil && resp.StatusCode == http.StatusProxyAuthRequired {
			if res == nil {
				e.Auth = AuthOtherScheme
			}
			p.fail(w, e, http.StatusBadGateway, "%s", upstreamRefusal(hop, resp, res))
			return
		}
		copyResponse(w, resp)
		e.Status = resp.StatusCode
		return
	}
	p.fail(w, e, http.StatusBadGateway, "no upstream reachable for %s (tried %s): %v", t, strings.Join(e.Failover, ", "), lastErr)
}

// upstreamRefusal explains a 407 that reached the end of the exchange.
func upstreamRefusal(hop *url.URL, resp *http.Response, res *httpauth.Result) string {
	if res != nil && res.Err != nil {
		return fmt.Sprintf("upstream proxy %s refused our Negotiate credential (%v) — is the ticket's user allowed, is the proxy's keytab current?", hop.Host, res.Err)
	}
	if res != nil {
		return fmt.Sprintf("upstream proxy %s still demands authentication after a Negotiate exchange", hop.Host)
	}
	schemes := httpauth.OfferedSchemes(resp.Header.Values("Proxy-Authenticate"))
	if schemes == "" {
		schemes = "authentication without naming a scheme"
	}
	return fmt.Sprintf("upstream proxy %s asks for %s, not Negotiate: gssnego forward answers only Negotiate (Kerberos, or NTLM inside SPNEGO)", hop.Host, schemes)
}

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1, plus the
// proxy ones (Proxy-Authorization is for us, never for the next hop).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// removeHop deletes the hop-by-hop headers, those Connection names included.
func removeHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// outgoing is the request to send on: absolute URL, hop headers removed.
func outgoing(r *http.Request, t *Target, viaProxy bool) *http.Request {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL = t.URL
	out.Host = t.URL.Host
	out.Close = false
	removeHop(out.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // no Go default: the tool sent none
	}
	return out
}

// copyResponse writes resp to the tool, flushing as the body arrives (git
// and docker stream).
func copyResponse(w http.ResponseWriter, resp *http.Response) {
	removeHop(resp.Header)
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// body is a request body made replayable when small enough.
type body struct {
	data       []byte
	rest       io.Reader // streaming: the part after data
	length     int64
	replayable bool
	streaming  bool
	used       bool
}

func (p *Proxy) replayableBody(r *http.Request) (*body, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 && r.TransferEncoding == nil {
		return &body{replayable: true}, nil
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, p.replay+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) <= p.replay {
		return &body{data: data, length: int64(len(data)), replayable: true}, nil
	}
	return &body{data: data, rest: r.Body, length: r.ContentLength, streaming: true}, nil
}

func (b *body) get() io.ReadCloser {
	if b.streaming {
		if b.used {
			return io.NopCloser(errReader{})
		}
		b.used = true
		return io.NopCloser(io.MultiReader(bytes.NewReader(b.data), b.rest))
	}
	return io.NopCloser(bytes.NewReader(b.data))
}

func (b *body) getBody() (io.ReadCloser, error) {
	if b.streaming {
		return nil, errors.New("request body larger than the replay limit")
	}
	return b.get(), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) {
	return 0, errors.New("request body larger than the replay limit cannot be sent twice")
}
