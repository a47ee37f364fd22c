package forward

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target is where a tool's request goes: an http URL in absolute form, or
// the host:port of a CONNECT (URL then https://host:port/, what a PAC
// file is handed for a tunnel).
type Target struct {
	URL     *url.URL
	Connect bool
	Addr    string // host:port, the port always given
}

func (t *Target) String() string {
	if t.Connect {
		return t.Addr
	}
	return t.URL.Redacted()
}

// ParseTarget checks the request target a tool sent (RFC 9112 §3.2):
// absolute form for a proxy's plain requests, authority form for CONNECT.
// Origin-form requests ("GET /"), https:// in absolute form (a tool must
// tunnel it), userinfo in the URL, and hosts or ports that cannot be
// dialled are refused here, before any routing, so the rest of the proxy
// only sees well-formed targets.
func ParseTarget(method, requestURI, host string) (*Target, error) {
	if method == "CONNECT" {
		addr := requestURI
		if addr == "" {
			addr = host
		}
		h, port, err := splitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("CONNECT target %q: %v", addr, err)
		}
		hp := net.JoinHostPort(h, port)
		return &Target{Connect: true, Addr: hp, URL: &url.URL{Scheme: "https", Host: hp, Path: "/"}}, nil
	}
	if strings.HasPrefix(requestURI, "/") || requestURI == "*" {
		return nil, errors.New("this is a forward proxy: send requests in absolute form (set HTTP_PROXY to it)")
	}
	u, err := url.Parse(requestURI)
	if err != nil {
		return nil, fmt.Errorf("request target: %v", err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
	case "https":
		return nil, errors.New("https:// must be tunnelled with CONNECT (set HTTPS_PROXY to this proxy)")
	default:
		return nil, fmt.Errorf("request target %q: only http:// URLs are forwarded", u.Scheme)
	}
	if u.User != nil {
		return nil, errors.New("request target carries user info: refused so no password travels on")
	}
	if u.Opaque != "" {
		return nil, errors.New("request target is not a hierarchical URL")
	}
	h, port, err := splitHostPort(u.Host)
	if err != nil {
		if port == "" && h != "" {
			port = "80"
		} else {
			return nil, fmt.Errorf("request target host %q: %v", u.Host, err)
		}
	}
	u.Scheme = "http"
	if port == "80" {
		u.Host = hostForURL(h)
	} else {
		u.Host = net.JoinHostPort(h, port)
	}
	return &Target{URL: u, Addr: net.JoinHostPort(h, port)}, nil
}

// splitHostPort splits and checks host:port; a missing port is reported
// with the host returned, so the caller can default it.
func splitHostPort(hp string) (host, port string, err error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		if !strings.Contains(hp, ":") || (strings.HasPrefix(hp, "[") && strings.HasSuffix(hp, "]")) {
			h = strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]")
			if validHost(h) {
				return h, "", errors.New("no port")
			}
		}
		return "", "", errors.New("not host:port")
	}
	if !validHost(h) {
		return "", "", fmt.Errorf("bad host %q", h)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 || strconv.Itoa(n) != p {
		return "", "", fmt.Errorf("bad port %q", p)
	}
	return h, p, nil
}

// validHost accepts an IP address or a DNS name (letters, digits, '-',
// '_', '.'), which is all a proxy needs to dial.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

func hostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}
