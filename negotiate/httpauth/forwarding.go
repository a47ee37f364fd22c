package httpauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Entry points for a forwarding proxy (negotiate/httpauth/forward, the
// "gssnego forward" command): a program that carries other programs'
// requests to an upstream proxy must answer that proxy's 407 but never an
// origin's 401 (the credential is the user's, the origin is whoever the
// tool asked for), and must open authenticated CONNECT tunnels whose bytes
// it then relays itself. Both reuse the Transport's proxy layer, so the
// 407 and CONNECT exchanges are the ones Transport.Proxy runs.

// ProxyRoundTrip sends a plain-http request through the proxy t.Proxy
// picks, answering the proxy's Negotiate challenges only: an origin's 401
// comes back as it is. The returned Result is the proxy exchange, nil when
// the proxy asked for nothing (a connection it had already authenticated,
// or no proxy). A 407 the Transport could not answer (another scheme than
// Negotiate) is returned as the response with a nil Result; a refused
// credential is returned as the 407 with Result.Err set.
func (t *Transport) ProxyRoundTrip(req *http.Request) (*http.Response, *Result, error) {
	if t.Proxy == nil {
		return nil, nil, errors.New("httpauth: ProxyRoundTrip needs Transport.Proxy")
	}
	res := &Result{}
	req = req.WithContext(context.WithValue(req.Context(), resultKey{}, res))
	resp, err := t.proxyLayer().RoundTrip(req)
	return resp, res.Proxy, err
}

// Connect opens a tunnel to addr (host:port) through proxy with CONNECT,
// answering the proxy's Negotiate challenges on that connection, and
// returns the connection after the proxy's 200: the caller relays bytes
// over it (no TLS is started). The Result describes the proxy exchange, nil
// when the proxy let the tunnel through without asking. Errors wrap
// ErrProxyRefused when the proxy answered something else than 200.
func (t *Transport) Connect(ctx context.Context, proxy *url.URL, addr string) (net.Conn, *Result, error) {
	if t.Proxy == nil {
		return nil, nil, errors.New("httpauth: Connect needs Transport.Proxy")
	}
	rt := t.proxyLayer()
	p, ok := rt.(*proxyRoundTripper)
	if !ok {
		return nil, nil, t.proxyErr
	}
	res := &Result{}
	conn, err := p.tun.connect(context.WithValue(ctx, resultKey{}, res), proxy, addr)
	return conn, res.Proxy, err
}

// CloseIdleConnections closes the idle connections of Base and of the
// proxy layer's own copy of it (the kept-alive, authenticated connections
// to a proxy), as http.Client.CloseIdleConnections expects.
func (t *Transport) CloseIdleConnections() {
	type closeIdler interface{ CloseIdleConnections() }
	if c, ok := t.Base.(closeIdler); ok {
		c.CloseIdleConnections()
	}
	if t.Proxy != nil {
		if p, ok := t.proxyLayer().(*proxyRoundTripper); ok {
			p.base.CloseIdleConnections()
		}
	}
}

// OfferedSchemes lists the auth schemes that challenge header values
// (WWW-Authenticate or Proxy-Authenticate) offer, e.g. "Basic, NTLM", for
// an error that says why a challenge could not be answered; "" when they
// name none.
func OfferedSchemes(values []string) string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			f := strings.Fields(part)
			if len(f) == 0 || strings.Contains(f[0], "=") {
				continue // a parameter of the previous challenge
			}
			out = append(out, f[0])
		}
	}
	return strings.Join(out, ", ")
}
