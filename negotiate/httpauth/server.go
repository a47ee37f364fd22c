package httpauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/replay"
)

// Defaults of the Server's limits.
const (
	DefaultMaxPending     = 1024             // incomplete multi-leg exchanges held at once
	DefaultPendingTimeout = 30 * time.Second // lifetime of an incomplete exchange
)

// Identity is what a successful exchange established; the middleware puts
// it in the request's context (IdentityFrom, Principal).
type Identity struct {
	// Principal is the client's name as the mechanism displays it,
	// e.g. "alice@GSSNEGO.TEST".
	Principal string
	// Info describes the context when it completed: mechanism, flags,
	// expiry, session-key enctype (gss.InquireMech) and InitiatorName
	// (gss.InitiatorName), taken once, when the exchange completes.
	// AcceptorName is left empty: it is the service's own name, which the
	// handler knows, and on MIT asking for it costs a display and a release,
	// each making a krb5 context and reading krb5.conf's status, on every
	// request (docs/performance.md, "Per-request work").
	Info *gss.SecContextInfo
	// Record is the Go engine's record (nil in native mode).
	Record *negotiate.Record
	// Transcript is the inspector's view of the exchange, with MIC verdicts.
	Transcript *negotiate.Transcript
	// Reused says the connection authenticated on an earlier request and no
	// new token was sent (Server.ConnectionAuth).
	Reused bool
	// Authz is the client's Active Directory authorization data (the
	// ticket's PAC: user and group SIDs, UPN) when Server.Authz asks for
	// it; nil when the ticket had no PAC or the backend cannot tell; see
	// MemberOf (authz.go).
	Authz *gss.AuthzData

	deleg *delegated // the request's delegated credential (delegation.go)
}

type identityKey struct{}

// IdentityFrom returns the identity the middleware authenticated, or nil.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// Principal returns the authenticated client principal of r, or "".
func Principal(r *http.Request) string {
	if id := IdentityFrom(r.Context()); id != nil {
		return id.Principal
	}
	return ""
}

// Server is HTTP Negotiate (RFC 4559) middleware. Requests without a
// Negotiate Authorization get 401 with a bare "WWW-Authenticate: Negotiate"
// challenge; a token runs one acceptor context (negotiate.Server by
// default); an exchange that needs more legs gets 401 with the next token
// and keeps its context for the connection's next request; a completed one
// reaches the wrapped handler with the Identity in its context and the
// final token in "WWW-Authenticate: Negotiate <token>" (the client's proof
// of the server's identity, and the acceptor's mechListMIC).
//
// Answers on failure:
//   - 400 for a malformed Authorization header (several headers, a token
//     larger than MaxTokenBytes — rejected before decoding —, bad base64);
//   - 401 with "WWW-Authenticate: Negotiate <reject token>" when the token
//     does not authenticate (malformed SPNEGO, Kerberos failure, bad or
//     missing mechListMIC, a continuation token with no exchange in
//     progress): the reject NegTokenResp ends the client's context, so a
//     well-behaved client stops instead of looping on a fresh challenge;
//   - 503 with Retry-After when MaxPending incomplete exchanges are held,
//     and when the replay cache (ReplayStore) cannot answer, naming it;
//   - 503 when the request's context ends (the client left, the server
//     shuts down) while the acceptor step is still in the library: the
//     step is bounded by r.Context() as the Transport's is by the
//     request's (gss.ContinueContext), and its late result is discarded.
//
// With Config.Credential nil, the Server acquires the default acceptor
// credential (the keytab of KRB5_KTNAME, any key in it) on its first
// request and keeps it for its lifetime.
//
// Install ConnState on the http.Server (Install does) so that an
// incomplete exchange is released when its connection closes; without it,
// PendingTimeout releases it.
type Server struct {
	// Config configures the negotiate.Server of each exchange (Provider is
	// required unless NewContext is set).
	Config negotiate.Config
	// Native uses the provider's own SPNEGO (negotiate.NewNativeServer).
	Native bool
	// NewContext, when set, makes the acceptor context for a request's
	// initial token instead of Config/Native.
	NewContext func(r *http.Request) (gss.SecContext, error)
	// MaxTokenBytes bounds the base64 token of an Authorization header;
	// 0 means DefaultMaxTokenBytes.
	MaxTokenBytes int
	// MaxPending bounds the incomplete multi-leg exchanges held; 0 means
	// DefaultMaxPending. Single-leg exchanges (Kerberos with its
	// optimistic token) never count.
	MaxPending int
	// PendingTimeout is how long an incomplete exchange waits for its next
	// leg; 0 means DefaultPendingTimeout.
	PendingTimeout time.Duration
	// ConnectionAuth makes authentication last for the connection, as IIS
	// and mod_auth_gssapi's GssapiConnectionBound do: later requests on an
	// authenticated connection without an Authorization header pass as the
	// same principal (Identity.Reused). Off by default; needs ConnContext
	// installed (Install). Only sound when no proxy multiplexes several
	// users onto one connection.
	ConnectionAuth bool
	// Authz fills Identity.Authz with the client's Active Directory
	// authorization data (the ticket's PAC: group SIDs, UPN) when the
	// context completes. Off by default: reading and decoding the PAC is
	// per-request work (a library call and the NDR decode) that a handler
	// deciding by principal does not need. authproxy turns it on.
	Authz bool
	// ErrorLog, when set, is told why a request failed authentication.
	ErrorLog func(r *http.Request, err error)
	// MaxConcurrentHandshakes, when positive, lets at most that many
	// requests run an acceptor step at once; the others wait their turn,
	// or get 503 when their request is cancelled first. Off (0) by default.
	// Each step is a blocking call into the GSS library, and under load a
	// Go server otherwise runs one OS thread per request blocked in C:
	// limiting to GOMAXPROCS cut CPU per request by 13–23 % and halved p99
	// at 64 connections (docs/performance.md, "Server capacity"). Leave it
	// off when an acceptor step waits on the network (NTLM through a DC
	// or winbind), which a limit would serialise.
	MaxConcurrentHandshakes int
	// ReplayStore is the replay cache every AP-REQ the acceptor accepts is
	// checked against (package replay), whatever the library: nil means an
	// in-memory replay.Memory of this Server; replay/redisstore shares one
	// across the instances of a fleet. A replay is refused with 401, a
	// store that cannot answer with 503 naming it. See replay.Provider.
	ReplayStore replay.Store
	// ReplayTimeout bounds each replay-cache check; 0 means
	// replay.DefaultTimeout.
	ReplayTimeout time.Duration
	// NativeReplayCache leaves replay detection to the GSS library alone
	// (MIT's per-process file cache; Heimdal keeps none), as before
	// gssnego had its own. ReplayStore is then unused.
	NativeReplayCache bool

	once    sync.Once
	replay  *replay.Provider // Config.Provider behind the replay cache (acceptConfig)
	slots   chan struct{}    // MaxConcurrentHandshakes tokens; nil when off
	pending *pending
	credMu  sync.Mutex
	cred    gss.Credential // the default acceptor credential, acquired once (engineConfig)
}

func (s *Server) init() {
	s.once.Do(func() {
		max, ttl := s.MaxPending, s.PendingTimeout
		if max <= 0 {
			max = DefaultMaxPending
		}
		if ttl <= 0 {
			ttl = DefaultPendingTimeout
		}
		s.pending = newPending(max, ttl)
		if s.MaxConcurrentHandshakes > 0 {
			s.slots = make(chan struct{}, s.MaxConcurrentHandshakes)
		}
		s.replay = s.replayProvider()
	})
}

// Install sets hs.ConnContext and hs.ConnState to the Server's (calling any
// that were already set).
func (s *Server) Install(hs *http.Server) {
	cc, cs := hs.ConnContext, hs.ConnState
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if cc != nil {
			ctx = cc(ctx, c)
		}
		return s.ConnContext(ctx, c)
	}
	hs.ConnState = func(c net.Conn, st http.ConnState) {
		s.ConnState(c, st)
		if cs != nil {
			cs(c, st)
		}
	}
}

// ConnContext is for http.Server.ConnContext: it gives each connection the
// state ConnectionAuth needs.
func (s *Server) ConnContext(ctx context.Context, c net.Conn) context.Context {
	return connContext(ctx, c)
}

// ConnState is for http.Server.ConnState: it releases a connection's
// incomplete exchange when the connection closes.
func (s *Server) ConnState(c net.Conn, st http.ConnState) {
	if st == http.StateClosed || st == http.StateHijacked {
		s.init()
		s.pending.drop(c.RemoteAddr().String())
	}
}

// Pending returns the number of incomplete exchanges held.
func (s *Server) Pending() int {
	s.init()
	return s.pending.len()
}

// Middleware returns next behind Negotiate authentication.
func (s *Server) Middleware(next http.Handler) http.Handler {
	s.init()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := s.authenticate(w, r); id != nil {
			defer id.releaseDelegation()
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), identityKey{}, id)))
		}
	})
}

var (
	errNoExchange  = errors.New("httpauth: continuation token but no exchange in progress on this connection")
	errNoInitiator = errors.New("httpauth: established context names no initiator")
)

// authenticate runs one leg; it answers the request itself and returns nil
// unless the client is authenticated.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *Identity {
	key, ci := connOf(r)
	max := s.MaxTokenBytes
	if max <= 0 {
		max = DefaultMaxTokenBytes
	}
	tok, ok, err := authorizationToken(r.Header, max)
	if err != nil {
		s.pending.drop(key)
		s.logf(r, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil
	}
	if !ok {
		if id := ci.identity(s.ConnectionAuth); id != nil {
			return id
		}
		challenge(w, nil, http.StatusUnauthorized, "negotiate authentication required")
		return nil
	}
	var ctx gss.SecContext
	if tok[0] == 0x60 { // an initial (framed) token starts a new exchange
		s.pending.drop(key)
		if ctx, err = s.newContext(r); err != nil {
			s.logf(r, err)
			http.Error(w, "negotiate: cannot start an acceptor context", http.StatusInternalServerError)
			return nil
		}
	} else if ctx = s.pending.take(key); ctx == nil {
		s.logf(r, errNoExchange)
		challenge(w, rejectToken, http.StatusUnauthorized, "negotiate: no exchange in progress on this connection")
		return nil
	}
	if !s.acquireSlot(r) {
		ctx.Close()
		s.logf(r, r.Context().Err())
		http.Error(w, "negotiate: request cancelled while waiting for a handshake slot", http.StatusServiceUnavailable)
		return nil
	}
	out, err := s.step(r, ctx, tok)
	if errors.Is(err, gss.ErrAbandoned) {
		// The step goes on in the library and the context is no longer
		// ours (ContinueContext closes it, and frees the slot, when the
		// step returns); the client is gone or the server shuts down.
		s.logf(r, err)
		http.Error(w, "negotiate: request ended during the handshake step", http.StatusServiceUnavailable)
		return nil
	}
	var id *Identity
	if err == nil && !ctx.ContinueNeeded() {
		id = identityOf(ctx) // a library call too: inside the slot
		if s.Authz {
			id.Authz, _ = gss.InquireAuthz(ctx)
		}
	}
	s.releaseSlot()
	if ue := (*replay.UnavailableError)(nil); errors.As(err, &ue) {
		ctx.Close()
		s.logf(r, err)
		w.Header().Set("Retry-After", strconv.Itoa(1))
		http.Error(w, "negotiate: "+ue.Error(), http.StatusServiceUnavailable)
		return nil
	}
	if err != nil {
		ctx.Close()
		s.logf(r, err)
		if len(out) == 0 {
			out = rejectToken
		}
		challenge(w, out, http.StatusUnauthorized, "negotiate: authentication failed")
		return nil
	}
	if ctx.ContinueNeeded() {
		if len(out) == 0 {
			ctx.Close()
			s.logf(r, errors.New("httpauth: acceptor wants another leg but produced no token"))
			http.Error(w, "negotiate: acceptor error", http.StatusInternalServerError)
			return nil
		}
		if !s.pending.put(key, ctx) {
			ctx.Close()
			w.Header().Set("Retry-After", strconv.Itoa(1))
			http.Error(w, "negotiate: too many authentication exchanges in progress", http.StatusServiceUnavailable)
			return nil
		}
		challenge(w, out, http.StatusUnauthorized, "negotiate: continue")
		return nil
	}
	ctx.Close()
	if id.Principal == "" {
		id.releaseDelegation()
		s.logf(r, errNoInitiator)
		challenge(w, rejectToken, http.StatusUnauthorized, "negotiate: authentication failed")
		return nil
	}
	if s.ConnectionAuth && ci != nil {
		ci.mu.Lock()
		ci.id = id
		ci.mu.Unlock()
	}
	if len(out) > 0 {
		w.Header().Add("WWW-Authenticate", headerValue(out))
	}
	return id
}

// acquireSlot waits for a handshake slot (MaxConcurrentHandshakes); false
// when the request was cancelled first.
func (s *Server) acquireSlot(r *http.Request) bool {
	if s.slots == nil {
		return true
	}
	select {
	case s.slots <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	}
}

// step runs one acceptor step bounded by the request's context, as the
// Transport's is: a native call blocked on a KDC or a DC does not hold the
// request past its deadline or its client's disconnection. On
// gss.ErrAbandoned the handshake slot stays taken until the abandoned step
// really returns, so MaxConcurrentHandshakes still bounds the threads
// blocked in the library; it is freed when ContinueContext closes ctx.
func (s *Server) step(r *http.Request, ctx gss.SecContext, tok []byte) ([]byte, error) {
	sc := ctx
	if s.slots != nil {
		sc = &slotHolder{SecContext: ctx, release: s.releaseSlot}
	}
	return gss.ContinueContext(r.Context(), sc, tok)
}

// slotHolder is a context whose Close — called only by ContinueContext,
// for an abandoned step — also frees the handshake slot.
type slotHolder struct {
	gss.SecContext
	release func()
}

func (h *slotHolder) Close() error {
	defer h.release()
	return h.SecContext.Close()
}

func (s *Server) releaseSlot() {
	if s.slots != nil {
		<-s.slots
	}
}

func (s *Server) newContext(r *http.Request) (gss.SecContext, error) {
	if s.NewContext != nil {
		return s.NewContext(r)
	}
	if s.Native {
		return negotiate.NewNativeServer(s.acceptConfig())
	}
	return negotiate.NewServer(s.engineConfig())
}

// engineConfig is Config with, when it names no Credential, the default
// acceptor credential acquired on the first request and kept: without one,
// MIT acquires it again inside every gss_accept_sec_context (a krb5
// context and a scan of the keytab per request: 254 → 208 µs per request
// in bench/capacity's BenchmarkServerCost). The keytab is still read at
// each accept, so rotated keys are seen; a gssapi_unix.Keytab given as
// Config.Credential holds it in memory instead, reloaded when the file
// changes. If the acquisition fails the request
// goes on without a credential (the backend's own default, as before) and
// the next request tries again.
func (s *Server) engineConfig() negotiate.Config {
	cfg := s.acceptConfig()
	if cfg.Credential != nil || cfg.Provider == nil || s.replay != nil {
		return cfg // the replay cache's provider keeps its own (replay.Provider.AcceptSecContext)
	}
	s.credMu.Lock()
	defer s.credMu.Unlock()
	if s.cred == nil {
		s.cred, _ = cfg.Provider.AcquireCredential(nil, nil, gss.CredAcceptOnly)
	}
	cfg.Credential = s.cred
	return cfg
}

func (s *Server) logf(r *http.Request, err error) {
	if s.ErrorLog != nil {
		s.ErrorLog(r, err)
	}
}

// identity returns the connection's earlier identity under ConnectionAuth.
func (ci *connInfo) identity(enabled bool) *Identity {
	if !enabled || ci == nil {
		return nil
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if ci.id == nil {
		return nil
	}
	id := *ci.id
	id.Reused = true
	id.deleg = nil // delegated credentials last one request
	return &id
}

// identityOf snapshots an established context.
func identityOf(ctx gss.SecContext) *Identity {
	id := &Identity{}
	id.takeDelegation(ctx)
	if info, err := gss.InquireMech(ctx); err == nil {
		// InquireMech leaves the names out; a context that is no
		// gss.MechInquirer answered with Inquire, names included.
		if info.InitiatorName == "" {
			info.InitiatorName, _ = gss.InitiatorName(ctx)
		}
		id.Info = info
		id.Principal = info.InitiatorName
	}
	id.Record, id.Transcript = sessionRecord(ctx)
	return id
}

// sessionRecord returns what ctx says about its exchange: the engine's
// Record (and its Transcript) for a negotiate.Recorder, the Transcript
// alone for any other negotiate.Session (Native), nothing for a context
// of another kind (a NewContext hook's raw krb5 context).
func sessionRecord(ctx gss.SecContext) (*negotiate.Record, *negotiate.Transcript) {
	switch c := ctx.(type) {
	case negotiate.Recorder:
		rec := c.Record()
		return &rec, &rec.Transcript
	case negotiate.Session:
		tr := c.Transcript()
		return nil, &tr
	}
	return nil, nil
}

// challenge answers status with "WWW-Authenticate: Negotiate [token]".
func challenge(w http.ResponseWriter, tok []byte, status int, msg string) {
	w.Header().Set("WWW-Authenticate", headerValue(tok))
	http.Error(w, msg, status)
}
