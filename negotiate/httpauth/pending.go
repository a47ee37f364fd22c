package httpauth

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// connInfo is a connection's identity, put in its base context by
// Server.ConnContext. Its lifetime is the connection's.
type connInfo struct {
	mu sync.Mutex
	id *Identity // set by ConnectionAuth once the connection authenticated
}

type connKey struct{}

// connOf returns the request's connection: the key of its pending exchange
// (the remote address, unique among open TCP connections, which ConnState
// also sees) and the *connInfo ConnContext installed, if it did.
func connOf(r *http.Request) (key string, ci *connInfo) {
	ci, _ = r.Context().Value(connKey{}).(*connInfo)
	return r.RemoteAddr, ci
}

// pending holds the incomplete contexts of multi-leg exchanges, one per
// connection, bounded in number and lifetime.
type pending struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	items map[string]*pendingCtx
}

type pendingCtx struct {
	ctx   gss.SecContext
	timer *time.Timer
}

func newPending(max int, ttl time.Duration) *pending {
	return &pending{max: max, ttl: ttl, items: map[string]*pendingCtx{}}
}

// take removes and returns the connection's incomplete context, or nil.
func (p *pending) take(key string) gss.SecContext {
	p.mu.Lock()
	defer p.mu.Unlock()
	pc := p.items[key]
	if pc == nil {
		return nil
	}
	delete(p.items, key)
	pc.timer.Stop()
	return pc.ctx
}

// put parks ctx for the connection's next leg. It reports false, and
// closes nothing, when the limit is reached.
func (p *pending) put(key string, ctx gss.SecContext) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.items[key]; old != nil { // cannot happen: take came first
		old.timer.Stop()
		old.ctx.Close()
		delete(p.items, key)
	}
	if len(p.items) >= p.max {
		return false
	}
	pc := &pendingCtx{ctx: ctx}
	pc.timer = time.AfterFunc(p.ttl, func() { p.expire(key, pc) })
	p.items[key] = pc
	return true
}

// drop closes the connection's incomplete context, if any.
func (p *pending) drop(key string) {
	if ctx := p.take(key); ctx != nil {
		ctx.Close()
	}
}

func (p *pending) expire(key string, pc *pendingCtx) {
	p.mu.Lock()
	if p.items[key] != pc {
		p.mu.Unlock()
		return
	}
	delete(p.items, key)
	p.mu.Unlock()
	pc.ctx.Close()
}

// len is the number of incomplete contexts held.
func (p *pending) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// connContext is Server.ConnContext.
func connContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connInfo{})
}
