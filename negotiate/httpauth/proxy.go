package httpauth

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// Proxy authentication (Transport.Proxy). Go's http.Transport can answer a
// proxy's 407 only with Basic credentials, and its CONNECT is one request
// per connection, so a multi-leg Negotiate exchange cannot run there. The
// Transport therefore puts a layer under the origin exchange:
//
//   - http:// requests go to the proxy in absolute form through a clone of
//     Base; a "407 Proxy-Authenticate: Negotiate" is answered by an exchange
//     like the origin's, with Proxy-Authorization, on the same connection;
//   - https:// requests get their tunnel from the clone's DialTLSContext,
//     which sends CONNECT itself, answers 407s on that connection for as
//     many legs as the mechanism needs, then runs TLS to the origin.
//
// The proxy's service name is HTTP@<proxy host> (what curl and browsers
// ask for). The origin exchange, if the origin asks too, runs on top, so
// one request can authenticate to both. Result.Proxy describes the proxy
// exchange.

// ErrProxyRefused: the proxy answered a CONNECT with something else than
// 200 after authentication, or refused the tunnel outright.
var ErrProxyRefused = errors.New("httpauth: proxy refused the tunnel")

// proxyLayer is the RoundTripper under the origin exchange when Proxy is
// set; it is built once.
func (t *Transport) proxyLayer() http.RoundTripper {
	t.proxyOnce.Do(func() {
		var ht *http.Transport
		switch b := t.Base.(type) {
		case nil:
			ht = http.DefaultTransport.(*http.Transport).Clone()
		case *http.Transport:
			ht = b.Clone()
		default:
			t.proxyErr = errors.New("httpauth: Transport.Proxy needs Base to be nil or an *http.Transport")
			return
		}
		pick := t.Proxy
		ht.Proxy = func(r *http.Request) (*url.URL, error) {
			if r.URL.Scheme == "https" {
				return nil, nil // tunnelled by dialTLS
			}
			return pick(r)
		}
		dial := ht.DialContext
		if dial == nil {
			dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		}
		inner := &Transport{Base: ht, Config: t.Config, Native: t.Native, NewContext: t.NewContext,
			MaxLegs: t.MaxLegs, Affinity: t.Affinity, AllowMissingMutual: !t.ProxyRequireMutual}
		tun := &tunneler{t: t, inner: inner, dial: dial, tlsConf: ht.TLSClientConfig}
		ht.DialTLSContext = tun.dialTLS
		t.proxied = &proxyRoundTripper{t: t, inner: inner, base: ht, tun: tun}
	})
	if t.proxyErr != nil {
		return failingRoundTripper{t.proxyErr}
	}
	return t.proxied
}

// proxySPN is the proxy's service name.
func (t *Transport) proxySPN(proxy *url.URL) string {
	if t.ProxySPN != "" {
		return t.ProxySPN
	}
	return "HTTP@" + proxy.Hostname()
}

// proxyNameHint names the service asked for and ProxySPN when a proxy
// given by IP address (no ProxySPN) fails in the mechanism: no KDC knows
// HTTP/<address>. MIT says so (gss.ErrServiceUnknown, whose message
// already names both); Heimdal cannot even place the name in a realm
// ("Name too short to do referals"), which this says instead.
func (t *Transport) proxyNameHint(proxy *url.URL, err error) error {
	var ge *gss.Error
	if t.ProxySPN != "" || net.ParseIP(proxy.Hostname()) == nil || !errors.As(err, &ge) || errors.Is(err, gss.ErrServiceUnknown) {
		return err
	}
	return fmt.Errorf("no Kerberos service name for a proxy given by IP address: asked for %s; set httpauth.Transport.ProxySPN to the proxy's service principal: %w", t.proxySPN(proxy), err)
}

type failingRoundTripper struct{ err error }

func (f failingRoundTripper) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// proxyRoundTripper answers a proxy's 407 for plain-http requests.
type proxyRoundTripper struct {
	t     *Transport
	inner *Transport // the proxy exchanges' settings; its Base is base
	base  *http.Transport
	tun   *tunneler // CONNECT with authentication (Transport.Connect)
}

func (p *proxyRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return p.base.RoundTrip(req) // https: authenticated in dialTLS
	}
	pu, err := p.t.Proxy(req)
	if err != nil || pu == nil {
		if err != nil {
			return nil, err
		}
		return p.base.RoundTrip(req)
	}
	origin, _ := req.Context().Value(resultKey{}).(*Result)
	resp, res, err := p.inner.roundTrip(req, &proxyAuth, p.t.proxySPN(pu))
	if res != nil && res.Target != "" {
		if origin != nil {
			origin.Proxy = res
		}
		if err != nil {
			err = fmt.Errorf("httpauth: proxy %s: %w", pu.Host, p.t.proxyNameHint(pu, err))
		}
	}
	if resp != nil {
		resp.Request = req // the origin exchange's request, for ResultOf
	}
	return resp, err
}

// tunneler makes the TLS connections of https requests, through an
// authenticated CONNECT when the request has a proxy.
type tunneler struct {
	t       *Transport
	inner   *Transport
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	tlsConf *tls.Config
}

func (tu *tunneler) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	pu, err := tu.t.Proxy(&http.Request{Method: http.MethodConnect, URL: &url.URL{Scheme: "https", Host: addr}, Header: http.Header{}})
	if err != nil {
		return nil, err
	}
	var raw net.Conn
	if pu == nil {
		raw, err = tu.dial(ctx, network, addr)
	} else {
		raw, err = tu.connect(ctx, pu, addr)
	}
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{}
	if tu.tlsConf != nil {
		cfg = tu.tlsConf.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"} // what the Transport can speak over a dialled TLS conn without h2 setup
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return tc, nil
}

// connect opens a tunnel to addr through proxy, answering its Negotiate
// challenges on the same connection.
func (tu *tunneler) connect(ctx context.Context, proxy *url.URL, addr string) (net.Conn, error) {
	if proxy.Scheme != "http" {
		return nil, fmt.Errorf("httpauth: proxy %s: only http:// proxies can be tunnelled through", proxy.Redacted())
	}
	proxyAddr := proxy.Host
	if proxy.Port() == "" {
		proxyAddr = net.JoinHostPort(proxy.Hostname(), "80")
	}
	creq := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
	x := &exchange{t: tu.inner, hdr: &proxyAuth, spn: tu.t.proxySPN(proxy), orig: creq.WithContext(ctx), res: &Result{}}
	c := &connectConn{dial: tu.dial, addr: proxyAddr}
	conn, err := x.tunnel(ctx, c, creq)
	x.finish()
	if origin, _ := ctx.Value(resultKey{}).(*Result); origin != nil && x.res.Target != "" {
		origin.Proxy = x.res
	}
	if err != nil {
		c.close()
		x.res.Err = err
		return nil, fmt.Errorf("httpauth: CONNECT %s through %s: %w", addr, proxy.Host, tu.t.proxyNameHint(proxy, err))
	}
	return conn, nil
}

// connectConn is the connection CONNECT requests go out on; a proxy that
// closes it after a 407 gets a new one only while no context state is at
// stake.
type connectConn struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	addr string
	conn net.Conn
	br   *bufio.Reader
}

func (c *connectConn) send(ctx context.Context, req *http.Request, tok []byte) (*http.Response, error) {
	if c.conn == nil {
		conn, err := c.dial(ctx, "tcp", c.addr)
		if err != nil {
			return nil, err
		}
		c.conn, c.br = conn, bufio.NewReader(conn)
	}
	if d, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(d)
	}
	r := req.Clone(ctx)
	if tok != nil {
		r.Header.Set(proxyAuth.authorization, headerValue(tok))
	}
	if err := r.Write(c.conn); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, r)
	if err != nil {
		return nil, fmt.Errorf("proxy closed the connection or answered garbage: %w", err)
	}
	return resp, nil
}

func (c *connectConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// tunnel runs the CONNECT exchange: a first CONNECT without a token, then
// a leg per 407 until 200.
func (x *exchange) tunnel(ctx context.Context, c *connectConn, creq *http.Request) (net.Conn, error) {
	maxLegs := x.t.MaxLegs
	if maxLegs <= 0 {
		maxLegs = DefaultMaxLegs
	}
	var tok []byte
	for {
		resp, err := c.send(ctx, creq, tok)
		if err != nil {
			return nil, err
		}
		in, found, herr := challengeToken(resp.Header, proxyAuth.challenge)
		if resp.StatusCode != http.StatusOK {
			discard(resp) // a 2xx to CONNECT has no body: the tunnel follows
		}
		if herr != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, herr)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if x.ctx != nil {
				if err := x.final(resp, in); err != nil {
					return nil, err
				}
			}
			c.conn.SetDeadline(time.Time{})
			conn := c.conn
			if c.br.Buffered() > 0 {
				conn = &bufferedConn{Conn: conn, r: c.br}
			}
			return conn, nil
		case resp.StatusCode == proxyAuth.status && !found:
			schemes := OfferedSchemes(resp.Header.Values(proxyAuth.challenge))
			if schemes == "" {
				schemes = "no scheme"
			}
			return nil, fmt.Errorf("%w: %s asking for %s, not Negotiate", ErrProxyRefused, resp.Status, schemes)
		case resp.StatusCode != proxyAuth.status || !found:
			return nil, fmt.Errorf("%w: %s", ErrProxyRefused, resp.Status)
		case x.ctx == nil:
			if err := x.start(nil); err != nil {
				return nil, err
			}
		case len(in) == 0 || !x.ctx.ContinueNeeded():
			return nil, fmt.Errorf("%w: %w", ErrProxyRefused, refusal(resp.StatusCode, found, in))
		}
		if resp.Close {
			if x.res.Legs > 0 {
				return nil, ErrConnectionChanged // the proxy dropped the exchange's connection
			}
			c.close()
		}
		if tok, err = x.step(in); err != nil { // bounded by the dial's context
			return nil, err
		}
		if len(tok) == 0 {
			return nil, fmt.Errorf("%w: context has nothing to send but is not complete", ErrProtocol)
		}
		if x.res.Legs++; x.res.Legs > maxLegs {
			return nil, fmt.Errorf("%w: more than %d legs", ErrProtocol, maxLegs)
		}
	}
}

// bufferedConn serves bytes the proxy sent right after its 200.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
