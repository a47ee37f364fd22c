package forward

import (
	"context"
	"net/url"
	"sync"
	"time"
)

// Router chooses how a request reaches its destination: an ordered list
// of upstream proxies (http://host:port) to try in turn, a nil entry
// meaning DIRECT. A PAC file's "PROXY a:8080; PROXY b:8080; DIRECT" is
// three entries. For a CONNECT the URL is https://host:port/, as browsers
// hand a PAC file.
type Router interface {
	Route(ctx context.Context, u *url.URL) ([]*url.URL, error)
}

// RouterFunc adapts a function to Router.
type RouterFunc func(ctx context.Context, u *url.URL) ([]*url.URL, error)

// Route implements Router.
func (f RouterFunc) Route(ctx context.Context, u *url.URL) ([]*url.URL, error) { return f(ctx, u) }

// Static routes every request through upstreams in order (the -upstream
// flag); no upstream at all means DIRECT.
func Static(upstreams ...*url.URL) Router {
	hops := append([]*url.URL(nil), upstreams...)
	if len(hops) == 0 {
		hops = []*url.URL{nil}
	}
	return RouterFunc(func(context.Context, *url.URL) ([]*url.URL, error) { return hops, nil })
}

// health remembers upstreams that could not be reached, so failover does
// not pay a connection timeout on every request while one proxy is down.
type health struct {
	mu      sync.Mutex
	downFor time.Duration
	down    map[string]time.Time // proxy host:port → until
}

func (h *health) isDown(u *url.URL) bool {
	if u == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	until, ok := h.down[u.Host]
	if ok && time.Now().After(until) {
		delete(h.down, u.Host)
		return false
	}
	return ok
}

func (h *health) markDown(u *url.URL) {
	if u == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down == nil {
		h.down = map[string]time.Time{}
	}
	h.down[u.Host] = time.Now().Add(h.downFor)
}

// order puts the hops believed up first, keeping the router's order, so a
// request still tries a down proxy when nothing else is left.
func (h *health) order(hops []*url.URL) []*url.URL {
	up := make([]*url.URL, 0, len(hops))
	var down []*url.URL
	for _, u := range hops {
		if h.isDown(u) {
			down = append(down, u)
		} else {
			up = append(up, u)
		}
	}
	return append(up, down...)
}

func hopName(u *url.URL) string {
	if u == nil {
		return "DIRECT"
	}
	return u.Host
}
