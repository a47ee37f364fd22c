package authproxy

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// entry collects what the access log line says about one request; the
// inner handlers fill it in through the request context.
type entry struct {
	start time.Time
	id    *httpauth.Identity
	err   error
}

type entryKey struct{}

func withEntry(r *http.Request, e *entry) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), entryKey{}, e))
}

func entryOf(r *http.Request) *entry {
	if e, ok := r.Context().Value(entryKey{}).(*entry); ok {
		return e
	}
	return &entry{} // never logged
}

// statusRecorder remembers the status the handlers answered with.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader && code >= 200 {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach Flush on the real writer
// (ReverseProxy flushes streamed responses).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// LogLine is the access log's line for one request: time, client address,
// request line, status, principal ("-" when none), and for an
// authenticated request the mechListMIC verdict of its exchange, the
// selected mechanism, each side's MIC status, and whether the connection's
// earlier authentication was reused; a request refused by the replay cache
// says "refused=replay" (or "refused=replay-cache-unavailable" when the
// store could not answer); err, when not nil, ends the line.
//
//	2026-12-04T17:31:00Z 127.0.0.1:40002 "GET / HTTP/1.1" 401 - refused=replay error="…"
//
//	2026-12-04T17:30:00Z 127.0.0.1:40000 "GET / HTTP/1.1" 200 alice@EXAMPLE.COM verdict=ok mech=1.2.840.113554.1.2.2 initiator-mic="not due, absent" acceptor-mic="not due, absent" reused=no
func LogLine(t time.Time, r *http.Request, status int, id *httpauth.Identity, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %q %d ", t.UTC().Format(time.RFC3339), r.RemoteAddr,
		r.Method+" "+r.RequestURI+" "+r.Proto, status)
	if id == nil {
		b.WriteString("-")
	} else {
		b.WriteString(id.Principal)
		if tr := id.Transcript; tr != nil {
			v := tr.Verdict // evaluated when the exchange completed; shared by reused connections, so not re-evaluated here
			fmt.Fprintf(&b, " verdict=%s mech=%s initiator-mic=%q acceptor-mic=%q",
				v.Result, orDash(v.SelectedMechName),
				v.Side(negotiate.InitiatorToAcceptor).String(), v.Side(negotiate.AcceptorToInitiator).String())
		}
		b.WriteString(" reused=" + yesNo(id.Reused))
	}
	if r := refusal(err); r != "" {
		b.WriteString(" refused=" + r)
	}
	if err != nil {
		b.WriteString(" error=" + strconv.Quote(err.Error()))
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
