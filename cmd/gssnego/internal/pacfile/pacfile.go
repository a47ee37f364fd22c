// Package pacfile evaluates proxy auto-config files (PAC, the
// FindProxyForURL JavaScript function corporate networks publish) for
// "gssnego forward", with goja, a JavaScript engine in pure Go.
//
// It lives in the command's module, not in negotiate/httpauth/forward,
// because the engine is a dependency a library user of negotiate/ must not
// download; the proxy reaches it through forward.Router.
//
// A PAC file is code from the network: every evaluation is bounded in time
// (goja's Interrupt stops a script that loops), DNS lookups the script asks
// for are bounded by the same deadline, and results are cached so a slow
// script is not paid per request.
package pacfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// Defaults of Options' zero values.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultCacheTTL = 5 * time.Minute
	// DefaultCacheSize bounds the cached answers; the cache is emptied
	// when it is full.
	DefaultCacheSize = 4096
	// MaxScriptSize bounds a PAC file read from a file or URL.
	MaxScriptSize = 4 << 20
)

// Options configure a PAC.
type Options struct {
	// Timeout bounds one evaluation, DNS lookups included.
	Timeout time.Duration
	// CacheTTL is how long an answer is reused for the same URL.
	CacheTTL time.Duration
	// LookupIP resolves for dnsResolve, isResolvable and isInNet; nil
	// means net.DefaultResolver.
	LookupIP func(ctx context.Context, host string) ([]net.IP, error)
	// MyIP answers myIpAddress(); nil means the address of the interface
	// that routes to the Internet, else 127.0.0.1.
	MyIP func() net.IP
	// Now is the clock of weekdayRange, dateRange and timeRange.
	Now func() time.Time
}

// PAC is a loaded PAC script. Its methods are safe for concurrent use;
// evaluations run one at a time (a goja runtime is single-threaded).
type PAC struct {
	opts Options

	mu sync.Mutex // guards vm and the evaluation's deadline
	vm *goja.Runtime
	fn goja.Callable
	ex bool            // fn is FindProxyForURLEx
	dl context.Context // the evaluation's deadline, for the DNS functions

	cmu   sync.Mutex
	cache map[string]cached
}

type cached struct {
	result string
	until  time.Time
}

// ErrTimeout: the script ran longer than Options.Timeout.
var ErrTimeout = errors.New("pacfile: the PAC script ran too long (stopped)")

// New compiles script and finds FindProxyForURLEx (the IPv6-aware
// variant, preferred when present) or FindProxyForURL.
func New(script string, opts Options) (*PAC, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.LookupIP == nil {
		opts.LookupIP = func(ctx context.Context, host string) ([]net.IP, error) {
			return net.DefaultResolver.LookupIP(ctx, "ip", host)
		}
	}
	if opts.MyIP == nil {
		opts.MyIP = outboundIP
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &PAC{opts: opts, vm: goja.New(), cache: map[string]cached{}, dl: context.Background()}
	p.install()
	// The top level of the script runs under the same bound.
	if _, err := p.bounded(func() (goja.Value, error) { return p.vm.RunString(script) }); err != nil {
		return nil, fmt.Errorf("pacfile: %w", err)
	}
	for _, name := range []string{"FindProxyForURLEx", "FindProxyForURL"} {
		if fn, ok := goja.AssertFunction(p.vm.Get(name)); ok {
			p.fn, p.ex = fn, name == "FindProxyForURLEx"
			return p, nil
		}
	}
	return nil, errors.New("pacfile: the script defines no FindProxyForURL function")
}

// Load reads a PAC file from a path, a file:// URL or an http(s) URL
// (fetched directly, never through a proxy: the PAC file says which proxy
// to use) and compiles it.
func Load(ctx context.Context, src string, opts Options) (*PAC, error) {
	var r io.ReadCloser
	switch {
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
		if err != nil {
			return nil, fmt.Errorf("pacfile: %w", err)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return nil, fmt.Errorf("pacfile: fetching %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("pacfile: fetching %s: %s", src, resp.Status)
		}
		r = resp.Body
	default:
		path := strings.TrimPrefix(src, "file://")
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("pacfile: %w", err)
		}
		r = f
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, MaxScriptSize+1))
	if err != nil {
		return nil, fmt.Errorf("pacfile: reading %s: %w", src, err)
	}
	if len(b) > MaxScriptSize {
		return nil, fmt.Errorf("pacfile: %s is larger than %d bytes", src, MaxScriptSize)
	}
	return New(string(b), opts)
}

// bounded runs f with the evaluation deadline armed: goja's Interrupt
// stops the script when it passes.
func (p *PAC) bounded(f func() (goja.Value, error)) (goja.Value, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.Timeout)
	defer cancel()
	p.dl = ctx
	stop := time.AfterFunc(p.opts.Timeout, func() { p.vm.Interrupt(ErrTimeout) })
	v, err := f()
	stop.Stop()
	p.vm.ClearInterrupt()
	p.dl = context.Background()
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		return nil, ErrTimeout
	}
	return v, err
}

// FindProxy returns the script's answer for u ("PROXY a:8080; DIRECT"),
// cached per URL for Options.CacheTTL. For https:// URLs only scheme and
// authority are handed to the script, as browsers do (the path of a
// CONNECT is not known anyway).
func (p *PAC) FindProxy(u *url.URL) (string, error) {
	arg := u.String()
	if u.Scheme == "https" {
		arg = "https://" + u.Host + "/"
	}
	now := time.Now()
	p.cmu.Lock()
	if c, ok := p.cache[arg]; ok && now.Before(c.until) {
		p.cmu.Unlock()
		return c.result, nil
	}
	p.cmu.Unlock()

	p.mu.Lock()
	v, err := p.bounded(func() (goja.Value, error) {
		return p.fn(goja.Undefined(), p.vm.ToValue(arg), p.vm.ToValue(u.Hostname()))
	})
	var res string
	if err == nil {
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			err = errors.New("FindProxyForURL returned nothing")
		} else {
			res = v.String()
		}
	}
	p.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("pacfile: FindProxyForURL(%q): %w", arg, err)
	}
	p.cmu.Lock()
	if len(p.cache) >= DefaultCacheSize {
		p.cache = map[string]cached{}
	}
	p.cache[arg] = cached{result: res, until: now.Add(p.opts.CacheTTL)}
	p.cmu.Unlock()
	return res, nil
}

// Route implements forward.Router: the script's answer as an ordered list
// of upstreams, nil for DIRECT.
func (p *PAC) Route(_ context.Context, u *url.URL) ([]*url.URL, error) {
	res, err := p.FindProxy(u)
	if err != nil {
		return nil, err
	}
	return ParseResult(res)
}

// ParseResult turns a PAC answer into upstreams: "PROXY h:p" and "HTTP h:p"
// are http proxies, "DIRECT" is nil. HTTPS and SOCKS proxies are skipped
// (not supported); an answer with nothing usable is an error. An empty
// answer means DIRECT, as browsers take it.
func ParseResult(s string) ([]*url.URL, error) {
	var out []*url.URL
	if strings.TrimSpace(s) == "" {
		return []*url.URL{nil}, nil
	}
	for _, item := range strings.Split(s, ";") {
		f := strings.Fields(item)
		if len(f) == 0 {
			continue
		}
		kind := strings.ToUpper(f[0])
		switch {
		case kind == "DIRECT" && len(f) == 1:
			out = append(out, nil)
		case (kind == "PROXY" || kind == "HTTP") && len(f) == 2:
			u, err := proxyURL(f[1])
			if err != nil {
				return nil, fmt.Errorf("pacfile: %q: %w", item, err)
			}
			out = append(out, u)
		default:
			// HTTPS, SOCKS, SOCKS4, SOCKS5 or garbage: not ours to use.
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pacfile: no usable route in %q (HTTPS and SOCKS proxies are not supported)", s)
	}
	return out, nil
}

// proxyURL checks host[:port] (port 80 when missing) and makes the URL.
func proxyURL(hp string) (*url.URL, error) {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(hp, "["), "]"), "80"
	}
	if host == "" || strings.ContainsAny(host, "/@?#% ") {
		return nil, fmt.Errorf("bad proxy host %q", hp)
	}
	n := 0
	for _, c := range port {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("bad proxy port %q", port)
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return nil, fmt.Errorf("bad proxy port %q", port)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("bad proxy port %q", port)
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}, nil
}

// outboundIP is the local address of a UDP socket "connected" to a public
// address (nothing is sent), which is the interface a browser would name.
func outboundIP() net.IP {
	c, err := net.Dial("udp", "192.0.2.1:9") // TEST-NET-1: routing only
	if err == nil {
		defer c.Close()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
			return a.IP
		}
	}
	return net.IPv4(127, 0, 0, 1)
}
