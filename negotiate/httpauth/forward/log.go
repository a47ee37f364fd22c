package forward

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// Entry is one access-log record: a forwarded request or a tunnel.
type Entry struct {
	Start    time.Time
	Duration time.Duration
	Client   string // tool's address
	Method   string
	Target   string   // URL, or host:port of a CONNECT
	Route    string   // "DIRECT" or the upstream's host:port that served it
	Failover []string // upstreams skipped because they could not be reached
	Status   int      // what the tool got
	Upstream int      // the upstream's (or origin's, DIRECT) status; 0 if none
	// Auth is the upstream's verdict on our credential; see Entry.setAuth.
	Auth string
	// User is the principal that authenticated, when an exchange ran.
	User string
	// Bytes relayed in a tunnel (to the destination, from it).
	BytesUp, BytesDown int64
	Err                string
}

// Verdicts in Entry.Auth.
const (
	AuthDirect    = "direct: no credential sent"
	AuthNone      = "no challenge (connection already authenticated, or the proxy asks nothing)"
	AuthMutual    = "negotiate: accepted, the proxy proved itself"
	AuthNotProven = "negotiate: accepted, the proxy never proved itself"
	AuthRefused   = "negotiate: refused"
	AuthFailed    = "negotiate: failed"
	// AuthOtherScheme: the upstream's 407 offers no Negotiate.
	AuthOtherScheme = "not answered: the upstream asks for another scheme than Negotiate"
)

func (e *Entry) setAuth(hop *url.URL, res *httpauth.Result) {
	switch {
	case hop == nil:
		e.Auth = AuthDirect
	case res == nil:
		e.Auth = AuthNone
	default:
		if res.Info != nil && res.Info.InitiatorName != "" {
			e.User = res.Info.InitiatorName
		}
		switch {
		case res.Err != nil && (strings.Contains(res.Err.Error(), "refused") || strings.Contains(res.Err.Error(), "rejected")):
			e.Auth = AuthRefused
		case res.Err != nil:
			e.Auth = AuthFailed
		case res.Mutual:
			e.Auth = AuthMutual
		default:
			e.Auth = AuthNotProven
		}
	}
}

// WriteLog returns a Config.Log that writes one line per entry to w:
//
//	2026-12-07T23:01:02Z 127.0.0.1:5555 GET http://h/ via=proxy:3128 status=200 upstream=200 auth="…" user=… dur=12ms
func WriteLog(w io.Writer) func(Entry) {
	var mu sync.Mutex
	return func(e Entry) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s %s via=%s status=%d upstream=%d", e.Start.UTC().Format(time.RFC3339), e.Client,
			e.Method, e.Target, orDash(e.Route), e.Status, e.Upstream)
		if e.Auth != "" {
			fmt.Fprintf(&b, " auth=%q", e.Auth)
		}
		if e.User != "" {
			fmt.Fprintf(&b, " user=%s", e.User)
		}
		if len(e.Failover) > 0 {
			fmt.Fprintf(&b, " down=%s", strings.Join(e.Failover, ","))
		}
		if e.Method == "CONNECT" {
			fmt.Fprintf(&b, " up=%d down=%d", e.BytesUp, e.BytesDown)
		}
		fmt.Fprintf(&b, " dur=%s", e.Duration.Round(time.Millisecond))
		if e.Err != "" {
			fmt.Fprintf(&b, " err=%q", e.Err)
		}
		b.WriteByte('\n')
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, b.String())
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
