package httpauth

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
	"github.com/gssnego/gssnego/negotiate"
)

// DefaultMaxLegs bounds the token round trips of one exchange: Kerberos
// needs one (optimistic token) or two (no optimistic token, MICs), NTLM two.
const DefaultMaxLegs = 6

// drainLimit is how much of a 401 body is read so that its connection can
// carry the next leg; a larger body closes the connection instead.
const drainLimit = 64 << 10

// Affinity says how the legs of one exchange are kept on one connection.
// A multi-leg exchange (Kerberos without an optimistic token, NTLM) keeps its
// state in the server per connection, so every leg after the first token
// must reach the connection the first token went to.
type Affinity uint8

const (
	// AffinityPinned (the default) sends the token legs of an exchange over a
	// private single-connection clone of Base (which must then be an
	// *http.Transport; other RoundTrippers are used as they are). The
	// clone's connection is closed when the response body is closed.
	// Costs one new connection per authenticated request; safe with any
	// number of concurrent requests.
	AffinityPinned Affinity = iota
	// AffinityBase sends every leg through Base. Use it when Base keeps one
	// connection per host (http.Transport.MaxConnsPerHost = 1, one Transport
	// per user as curl has one connection per handle), or when every
	// exchange completes in one leg (Kerberos with the optimistic token).
	// A leg that lands on another connection fails with
	// ErrConnectionChanged.
	AffinityBase
)

// Transport is an http.RoundTripper that authenticates with HTTP Negotiate
// (RFC 4559). It sends the request through Base; on a 401 offering
// Negotiate it runs a security context (negotiate.Client by default) and
// sends the request again with "Authorization: Negotiate <token>" until the
// server answers something else than 401 with a token, then checks the
// server's final token: mutual authentication is required, so a success
// without it, or with a token that does not verify, is an error.
//
// The zero value is not usable: set Config.Provider or NewContext.
type Transport struct {
	// Base carries the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Config configures the negotiate.Client of each exchange (Provider is
	// required unless NewContext is set). Its ChannelBindings are replaced
	// by the TLS ones when ChannelBindings is set.
	Config negotiate.Config
	// Native uses the provider's own SPNEGO (negotiate.NewNativeClient)
	// instead of the Go engine.
	Native bool
	// NewContext, when set, makes the initiator context of each exchange
	// instead of Config/Native: any gss.SecContext (a raw krb5 context for
	// servers that take bare Kerberos, a test double).
	NewContext func(target gss.Name, cb *gss.ChannelBindings) (gss.SecContext, error)
	// SPN overrides the target name. Empty means "HTTP@<URL host>" as a
	// host-based service name (RFC 4559 §4.1: service HTTP/host); a value
	// with '/' is a Kerberos principal ("HTTP/web.example.com@REALM"). A
	// name the KDC does not know fails with gss.ErrServiceUnknown, the
	// message leading with "the KDC does not know service …" and naming
	// this field (Config.TargetOption, when set, is named instead).
	SPN string
	// Preemptive sends the first token with the first request instead of
	// waiting for the 401 (saves a round trip; the request body then goes
	// out once). A server that ignores the token and answers 2xx without a
	// final token cannot be told from one that omits it, so that is
	// ErrMutualAuthMissing too: use Preemptive only for resources that
	// require authentication. Ignored for https with ChannelBindings: the
	// server certificate is known only after a first response.
	Preemptive bool
	// AllowMissingMutual accepts a success response without the server's
	// final token (servers such as IIS with some settings, or proxies that
	// drop WWW-Authenticate on 200). The context then stays incomplete and
	// Result.Mutual is false: the server's identity is NOT proven.
	AllowMissingMutual bool
	// ChannelBindings binds the context to the TLS connection (RFC 5929
	// tls-server-end-point), computed from the server certificate of the
	// response that asked for authentication.
	ChannelBindings bool
	// Affinity selects how legs stay on one connection; see Affinity.
	Affinity Affinity
	// Delegate asks the mechanism to delegate the user's credential to the
	// server (added to Config.Flags; contexts from NewContext bring their
	// own flags). DelegateByPolicy when delegation is wanted; see Delegation.
	Delegate Delegation
	// MaxLegs bounds the token round trips; 0 means DefaultMaxLegs.
	MaxLegs int
	// OnResult, when set, is called once per exchange with its Result,
	// failed ones included (ResultOf only sees exchanges that returned a
	// response).
	OnResult func(req *http.Request, res *Result)

	// Proxy, when set, picks the HTTP proxy of each request, as
	// http.Transport.Proxy does (http.ProxyFromEnvironment reads
	// HTTP_PROXY, HTTPS_PROXY and NO_PROXY), and the Transport
	// authenticates to it with Negotiate: see proxy.go. Base must then be
	// nil or an *http.Transport, whose own Proxy is replaced.
	Proxy func(*http.Request) (*url.URL, error)
	// ProxySPN overrides the proxy's service name; empty means
	// "HTTP@<proxy host>". A proxy given by IP address needs it: the KDC
	// knows no HTTP/<address> principal, and the exchange fails with
	// gss.ErrServiceUnknown naming HTTP@<address> and ProxySPN.
	ProxySPN string
	// ProxyRequireMutual fails a proxy exchange whose proxy did not prove
	// its identity with a final token. Off by default: Squid 5 (and, by
	// reports, most Negotiate proxies) never sends one; Result.Proxy.Mutual
	// says what happened.
	ProxyRequireMutual bool

	proxyOnce sync.Once
	proxied   http.RoundTripper
	proxyErr  error
}

// Result describes one authentication exchange. ResultOf returns it for a
// response of Transport.RoundTrip.
type Result struct {
	// Target is the service name the context was made for.
	Target string
	// Legs counts requests that carried an Authorization token.
	Legs int
	// Mutual says whether the server proved its identity: a Kerberos
	// AP-REP or the server's mechListMIC verified. NTLM alone proves
	// nothing, so without the MIC exchange Mutual stays false (and the
	// exchange fails unless AllowMissingMutual).
	Mutual bool
	// Info is the context's description at the end of the exchange.
	Info *gss.SecContextInfo
	// Record is the Go engine's record (nil in native mode or with
	// NewContext contexts that have none).
	Record *negotiate.Record
	// Transcript is the inspector's view of the exchange with the MIC
	// verdicts (Record.Transcript, or the Transcript of a negotiate.Session
	// that is no Recorder, such as Native).
	Transcript *negotiate.Transcript
	// Err is why the exchange failed, if it did; RoundTrip returns it too,
	// except when the server refused (a 401 returned to the caller).
	Err error
	// Proxy is the exchange with the proxy (407 or CONNECT) that carried
	// this request, nil when there was none.
	Proxy *Result
}

type resultKey struct{}

// ResultOf returns the authentication exchange behind resp, or nil when the
// request was not authenticated by a Transport.
func ResultOf(resp *http.Response) *Result {
	if resp == nil || resp.Request == nil {
		return nil
	}
	r, _ := resp.Request.Context().Value(resultKey{}).(*Result)
	if r == nil || (r.Target == "" && r.Proxy == nil) {
		return nil // no exchange happened
	}
	return r
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, _, err := t.roundTrip(req, &originAuth, "")
	return resp, err
}

// authHeaders are the names an exchange uses: the origin's (401) or a
// proxy's (407, RFC 7235 §3.2 and §4.3–4.4).
type authHeaders struct {
	status        int
	challenge     string
	authorization string
}

var (
	originAuth = authHeaders{http.StatusUnauthorized, "WWW-Authenticate", "Authorization"}
	proxyAuth  = authHeaders{http.StatusProxyAuthRequired, "Proxy-Authenticate", "Proxy-Authorization"}
)

// roundTrip runs one exchange of kind hdr; spn, when set, is the target
// name instead of the Transport's (a proxy's name).
func (t *Transport) roundTrip(req *http.Request, hdr *authHeaders, spn string) (*http.Response, *Result, error) {
	if req.Header.Get(hdr.authorization) != "" {
		resp, err := t.base().RoundTrip(req) // the caller authenticates itself
		return resp, nil, err
	}
	x := &exchange{t: t, hdr: hdr, spn: spn, orig: req, res: &Result{}}
	resp, err := x.run()
	x.finish()
	if !x.bodyUsed && req.Body != nil {
		req.Body.Close() // RoundTrip must close the body, even on error
	}
	if err != nil {
		x.res.Err = err
	}
	if t.OnResult != nil && x.ctx != nil {
		t.OnResult(req, x.res)
	}
	if err != nil {
		if x.pinned != nil {
			x.pinned.CloseIdleConnections()
		}
		return nil, x.res, err
	}
	if x.pinned != nil {
		resp.Body = &closeIdle{ReadCloser: resp.Body, t: x.pinned}
	}
	return resp, x.res, nil
}

func (t *Transport) base() http.RoundTripper {
	if t.Proxy != nil {
		return t.proxyLayer()
	}
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// exchange is the state of one RoundTrip.
type exchange struct {
	t      *Transport
	hdr    *authHeaders
	spn    string // target name overriding the Transport's (a proxy's)
	orig   *http.Request
	res    *Result
	ctx    gss.SecContext
	target gss.Name
	pinned *http.Transport
	conn   net.Conn // connection of the previous token leg

	bodyUsed  bool // orig.Body went out; later legs need GetBody
	ctxFailed bool // a Continue call failed: the context is not inquired
	// ctxAbandoned: the request's context ended during a step; the
	// context now belongs to gss.ContinueContext, which closes it.
	ctxAbandoned bool
}

func (x *exchange) run() (*http.Response, error) {
	var in []byte
	var cs *tls.ConnectionState
	preempt := x.t.Preemptive && !(x.t.ChannelBindings && x.orig.URL.Scheme == "https")
	if !preempt {
		resp, err := x.t.base().RoundTrip(x.leg(nil, true))
		if err != nil {
			return nil, err
		}
		tok, found, err := challengeToken(resp.Header, x.hdr.challenge)
		if resp.StatusCode != x.hdr.status || !found {
			return resp, nil // no Negotiate asked for: not ours
		}
		if err != nil {
			discard(resp)
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		if !replayable(x.orig) {
			discard(resp)
			return nil, ErrBodyNotReplayable
		}
		cs = resp.TLS
		discard(resp)
		in = tok // a server-initiated NegTokenInit2 (MS-N2HT Nego2 style), or nil
	}
	if err := x.start(cs); err != nil {
		return nil, err
	}
	maxLegs := x.t.MaxLegs
	if maxLegs <= 0 {
		maxLegs = DefaultMaxLegs
	}
	for {
		out, err := x.step(in)
		if err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%w: context has nothing to send but is not complete", ErrProtocol)
		}
		if x.res.Legs++; x.res.Legs > maxLegs {
			return nil, fmt.Errorf("%w: more than %d legs", ErrProtocol, maxLegs)
		}
		if x.bodyUsed && !replayable(x.orig) {
			return nil, ErrBodyNotReplayable
		}
		resp, err := x.send(out)
		if err != nil {
			return nil, err
		}
		tok, found, herr := challengeToken(resp.Header, x.hdr.challenge)
		if herr != nil {
			discard(resp)
			return nil, fmt.Errorf("%w: %w", ErrProtocol, herr)
		}
		if resp.StatusCode == x.hdr.status && len(tok) > 0 && x.ctx.ContinueNeeded() {
			discard(resp)
			in = tok
			continue
		}
		if resp.StatusCode == x.hdr.status {
			// Refused: a bare challenge (or none) after our token, or a
			// token after our context completed (a reject NegTokenResp).
			// Hand the 401 to the caller, as curl does.
			x.res.Err = refusal(resp.StatusCode, found, tok)
			return resp, nil
		}
		if err := x.final(resp, tok); err != nil {
			discard(resp)
			return nil, err
		}
		return resp, nil
	}
}

// step runs one Continue bounded by the request's context: a native call
// blocked on the KDC does not hold the request past its deadline.
func (x *exchange) step(in []byte) ([]byte, error) {
	out, err := gss.ContinueContext(x.orig.Context(), x.ctx, in)
	if err != nil {
		x.ctxFailed = true
		x.ctxAbandoned = errors.Is(err, gss.ErrAbandoned)
	}
	return out, err
}

// final processes the last response's token: the server's proof of identity.
func (x *exchange) final(resp *http.Response, tok []byte) error {
	if len(tok) > 0 {
		if !x.ctx.ContinueNeeded() {
			return fmt.Errorf("%w: server sent a token (status %d) after the context completed", ErrProtocol, resp.StatusCode)
		}
		out, err := x.step(tok)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMutualAuthFailed, err)
		}
		if len(out) > 0 || x.ctx.ContinueNeeded() {
			return fmt.Errorf("%w: status %d ended the exchange but the context is not complete", ErrMutualAuthFailed, resp.StatusCode)
		}
	}
	if x.ctx.ContinueNeeded() {
		if resp.StatusCode == x.hdr.status {
			return fmt.Errorf("%w: %d with a token the context cannot continue from", ErrProtocol, resp.StatusCode)
		}
		if resp.StatusCode < 400 && !x.t.AllowMissingMutual {
			return fmt.Errorf("%w (status %d without %s: Negotiate <token>)", ErrMutualAuthMissing, resp.StatusCode, x.hdr.challenge)
		}
		return nil
	}
	if !x.serverProven() {
		if x.t.AllowMissingMutual {
			return nil
		}
		return fmt.Errorf("%w: the negotiated mechanism does not authenticate the server and no mechListMIC from it was verified (NTLM without the MIC exchange)", ErrMutualAuthMissing)
	}
	x.res.Mutual = true
	return nil
}

// serverProven says whether the completed context proves the server's
// identity: Kerberos with mutual authentication (the AP-REP verified), or
// a verified acceptor mechListMIC, which only a server that got the
// session key could make. A bare NTLM exchange proves nothing.
func (x *exchange) serverProven() bool {
	if e, ok := x.ctx.(negotiate.Recorder); ok && e.Record().MICReceived {
		return true
	}
	info, err := gss.InquireMech(x.ctx)
	return err == nil && info.Mech.IsKerberos() && info.Flags&gss.FlagMutual != 0
}

// refusal describes a final 401 (407 from a proxy).
func refusal(status int, found bool, tok []byte) error {
	switch {
	case !found:
		return fmt.Errorf("httpauth: server refused the token (%d without a Negotiate challenge)", status)
	case len(tok) == 0:
		return fmt.Errorf("httpauth: server refused the token (%d with a fresh challenge)", status)
	}
	if t, err := negotiate.Parse(tok); err == nil && t.NegState == negotiate.NegStateReject {
		return fmt.Errorf("httpauth: server rejected the completed exchange (%d with negState reject)", status)
	}
	return fmt.Errorf("httpauth: server answered %d with a token after the context completed", status)
}

// start makes the initiator context.
func (x *exchange) start(cs *tls.ConnectionState) error {
	var cb *gss.ChannelBindings
	if x.t.ChannelBindings && cs != nil { // a plain connection has none
		var err error
		if cb, err = tlsbinding.ServerEndPointOf(cs); err != nil {
			return fmt.Errorf("httpauth: %w", err)
		}
	}
	target, err := x.importTarget()
	if err != nil {
		return err
	}
	x.target = target
	x.res.Target = target.String()
	if x.t.NewContext != nil {
		x.ctx, err = x.t.NewContext(target, cb)
		return err
	}
	cfg := x.t.Config
	if cb != nil {
		cfg.ChannelBindings = cb
	}
	cfg.Flags |= x.t.Delegate.flags()
	// Name the setting that chose the target in the engine's errors (a
	// service the KDC does not know): ProxySPN for the proxy's exchange,
	// else the caller's own (gssnego's -spn) or SPN.
	if x.hdr == &proxyAuth {
		cfg.TargetOption = "httpauth.Transport.ProxySPN"
	} else if cfg.TargetOption == "" {
		cfg.TargetOption = "httpauth.Transport.SPN"
	}
	if x.t.Native {
		x.ctx, err = negotiate.NewNativeClient(target, cfg)
	} else {
		x.ctx, err = negotiate.NewClient(target, cfg)
	}
	return err
}

func (x *exchange) importTarget() (gss.Name, error) {
	p := x.t.Config.Provider
	if p == nil {
		var err error
		if p, err = gss.Default(); err != nil {
			return nil, err
		}
	}
	if spn := cmp.Or(x.spn, x.t.SPN); spn != "" {
		return p.ImportName(spn, gss.GuessNameType(spn))
	}
	return p.ImportName("HTTP@"+x.orig.URL.Hostname(), gss.NameHostBasedService)
}

// send sends one token leg, on the exchange's connection.
func (x *exchange) send(tok []byte) (*http.Response, error) {
	var got net.Conn
	req := x.leg(tok, true)
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i.Conn }}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := x.legTransport().RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Request = x.leg(nil, false) // the caller's request, with ResultOf's context
	continuation := x.conn != nil
	prev := x.conn
	x.conn = got
	if continuation && got != nil && got != prev {
		discard(resp)
		return nil, ErrConnectionChanged
	}
	return resp, nil
}

func (x *exchange) legTransport() http.RoundTripper {
	base := x.t.base()
	if x.t.Affinity != AffinityPinned {
		return base
	}
	if x.pinned == nil {
		ht, ok := base.(*http.Transport)
		if !ok {
			return base
		}
		x.pinned = ht.Clone()
		x.pinned.MaxConnsPerHost = 1
		x.pinned.MaxIdleConnsPerHost = 1
	}
	return x.pinned
}

// leg clones the caller's request for one round trip, with a fresh body and
// the Result in its context.
func (x *exchange) leg(tok []byte, withBody bool) *http.Request {
	ctx := context.WithValue(x.orig.Context(), resultKey{}, x.res)
	r := x.orig.Clone(ctx)
	if tok != nil {
		r.Header.Set(x.hdr.authorization, headerValue(tok))
	}
	switch {
	case !withBody || x.orig.Body == nil || x.orig.Body == http.NoBody:
		r.Body = http.NoBody
		if x.orig.Body == nil {
			r.Body = nil
		}
	case !x.bodyUsed:
		x.bodyUsed = true // r shares orig.Body
	case x.orig.GetBody != nil:
		if b, err := x.orig.GetBody(); err == nil {
			r.Body = b
		}
	}
	return r
}

// finish records what the context knows and releases it.
func (x *exchange) finish() {
	if x.ctx != nil && !x.ctxAbandoned {
		// A failed context has nothing left to describe (gssapi_unix
		// deletes it; Heimdal used to crash when asked): not inquired.
		if !x.ctxFailed {
			if info, err := x.ctx.Inquire(); err == nil {
				x.res.Info = info
			}
		}
		x.res.Record, x.res.Transcript = sessionRecord(x.ctx)
		x.ctx.Close()
	}
	if x.target != nil {
		x.target.Release()
	}
}

// replayable says whether req's body can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// discard reads a little of resp's body, so its connection can be reused,
// and closes it.
func discard(resp *http.Response) {
	io.CopyN(io.Discard, resp.Body, drainLimit)
	resp.Body.Close()
}

// closeIdle closes the pinned transport's connection with the body.
type closeIdle struct {
	io.ReadCloser
	t *http.Transport
}

func (c *closeIdle) Close() error {
	err := c.ReadCloser.Close()
	c.t.CloseIdleConnections()
	return err
}
