package forward

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// serveConnect opens a tunnel: through the first reachable upstream with an
// authenticated CONNECT on the tunnel's own connection, or DIRECT, then
// answers the tool's CONNECT with 200 and relays bytes both ways.
func (p *Proxy) serveConnect(w http.ResponseWriter, r *http.Request, t *Target, e *Entry) {
	hops, err := p.route(r.Context(), t.URL)
	if err != nil {
		p.fail(w, e, http.StatusBadGateway, "no route for %s: %v", t, err)
		return
	}
	select {
	case p.setups <- struct{}{}:
	case <-r.Context().Done():
		p.fail(w, e, http.StatusServiceUnavailable, "tool went away while waiting for a tunnel setup slot")
		return
	}
	up, ok := p.openTunnel(w, r, t, e, hops)
	<-p.setups
	if !ok {
		return
	}
	e.Upstream = http.StatusOK
	p.relayTunnel(w, e, up)
}

// openTunnel tries hops in order; on failure it has answered the tool.
func (p *Proxy) openTunnel(w http.ResponseWriter, r *http.Request, t *Target, e *Entry, hops []*url.URL) (net.Conn, bool) {
	var up net.Conn
	var err, lastErr error
	for _, hop := range hops {
		e.Route = hopName(hop)
		ctx, cancel := context.WithTimeout(r.Context(), p.timeout)
		var res *httpauth.Result
		if hop == nil {
			up, err = p.dial(ctx, "tcp", t.Addr)
		} else {
			up, res, err = p.auth.Connect(ctx, hop, t.Addr)
		}
		cancel()
		p.setAuth(e, hop, res)
		if err == nil {
			break
		}
		lastErr = err
		if isDialError(err) && r.Context().Err() == nil {
			e.Auth = ""
			p.health.markDown(hop)
			e.Failover = append(e.Failover, hopName(hop))
			continue
		}
		status := http.StatusBadGateway
		if errors.Is(err, context.DeadlineExceeded) {
			status = http.StatusGatewayTimeout
		}
		msg := err.Error()
		if errors.Is(err, httpauth.ErrProxyRefused) {
			e.Upstream = statusIn(msg)
			if e.Upstream == http.StatusProxyAuthRequired && res == nil {
				e.Auth = AuthOtherScheme
				msg = "upstream proxy " + hop.Host + " demands authentication in another scheme than Negotiate (gssnego forward answers only Negotiate): " + msg
			} else if e.Upstream == http.StatusProxyAuthRequired {
				msg = "upstream proxy " + hop.Host + " refused our Negotiate credential: " + msg
			}
		}
		p.fail(w, e, status, "%s: %s", hopName(hop), msg)
		return nil, false
	}
	if up == nil {
		p.fail(w, e, http.StatusBadGateway, "no upstream reachable for %s (tried %s): %v", t, strings.Join(e.Failover, ", "), lastErr)
		return nil, false
	}
	return up, true
}

func (p *Proxy) relayTunnel(w http.ResponseWriter, e *Entry, up net.Conn) {
	rc := http.NewResponseController(w)
	client, brw, err := rc.Hijack()
	if err != nil {
		up.Close()
		p.fail(w, e, http.StatusInternalServerError, "cannot take over the connection: %v", err)
		return
	}
	p.tunnels.Add(1)
	defer p.tunnels.Add(-1)
	client.SetDeadline(time.Time{})
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		client.Close()
		up.Close()
		e.Status, e.Err = http.StatusOK, "tool went away: "+err.Error()
		return
	}
	e.Status = http.StatusOK
	// Bytes the tool sent after its CONNECT (a TLS ClientHello) may sit in
	// the server's reader already.
	var fromClient io.Reader = client
	if n := brw.Reader.Buffered(); n > 0 {
		fromClient = io.MultiReader(io.LimitReader(brw.Reader, int64(n)), client)
	}
	e.BytesUp, e.BytesDown = relay(client, fromClient, up)
}

// relay copies both ways until both directions end; a direction's end is
// passed on as a half-close when the connection allows it, else both
// connections are closed.
func relay(client net.Conn, fromClient io.Reader, up net.Conn) (toUp, toClient int64) {
	var wg sync.WaitGroup
	var once sync.Once
	closeBoth := func() { once.Do(func() { client.Close(); up.Close() }) }
	half := func(c net.Conn) {
		if cw, ok := c.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			return
		}
		closeBoth()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var err error
		toUp, err = io.Copy(up, fromClient)
		if err != nil {
			closeBoth()
			return
		}
		half(up)
	}()
	var err error
	toClient, err = io.Copy(client, up)
	if err != nil {
		closeBoth()
	} else {
		half(client)
	}
	wg.Wait()
	closeBoth()
	return toUp, toClient
}

// statusIn finds the HTTP status code in an ErrProxyRefused message
// ("…: 407 Proxy Authentication Required").
func statusIn(msg string) int {
	if i := strings.LastIndex(msg, "refused the tunnel"); i >= 0 {
		msg = msg[i:] // addresses before it have digits too
	}
	m := statusRE.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	return int(m[1][0]-'0')*100 + int(m[1][1]-'0')*10 + int(m[1][2]-'0')
}

var statusRE = regexp.MustCompile(`\b([1-5][0-9][0-9])\b`)
