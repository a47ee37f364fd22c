// Package httpauth is HTTP Negotiate (RFC 4559) over gssnego's SPNEGO
// engine: Transport, an http.RoundTripper for clients, and Server,
// middleware for handlers. Both run negotiate.Client/negotiate.Server by
// default, so the mechListMIC policy (docs/design.md) holds over HTTP as it does
// anywhere else, and both expose the inspector's transcript of the exchange.
//
// # Client
//
//	p, _ := platform.Provider()
//	c := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p}}}
//	resp, err := c.Get("https://web.example.com/")
//	res := httpauth.ResultOf(resp) // legs, Mutual, Record, Transcript with MIC verdicts
//
// The Transport sends the request; on a 401 offering Negotiate it starts a
// context for "HTTP@<URL host>" (Transport.SPN overrides it) and retries
// with "Authorization: Negotiate <token>" while the server answers 401 with
// a token. The response that ends the exchange must carry the server's
// final token in WWW-Authenticate when the context still expects one (the
// AP-REP, and the acceptor's mechListMIC when one is due); it is fed to the
// context, and a success without it, or with a token that does not verify,
// is an error (ErrMutualAuthMissing, ErrMutualAuthFailed wrapping
// negotiate.ErrMICMissing, gss.ErrBadMIC, …), never a response. Set
// AllowMissingMutual only for servers known to omit the token; Result.Mutual
// then says the server's identity was not proven.
//
// Request bodies are sent again on every leg, so they must be replayable:
// http.NewRequest sets GetBody for bytes.Buffer, bytes.Reader and
// strings.Reader bodies; any other body fails with ErrBodyNotReplayable once
// the server asks for authentication. Preemptive sends the first token with
// the first request and saves the 401 round trip.
//
// Multi-leg exchanges (Kerberos without the optimistic token, or NTLM) keep
// their state per connection on the server, so all their legs must travel
// on one connection. By default (AffinityPinned) the token legs of an
// exchange go through a private clone of Base limited to one connection,
// closed with the response body; a leg that still lands on another
// connection fails with ErrConnectionChanged. AffinityBase sends every leg
// through Base: use it with a Base limited to one connection per host
// (one Transport per user, as curl has one connection per handle) to keep
// authenticated keep-alive connections, e.g. with Server.ConnectionAuth.
//
// ChannelBindings binds the context to the TLS server certificate (RFC 5929
// tls-server-end-point; tlsbinding.ServerEndPoint computes the value); a server sets
// the same value in its Config.ChannelBindings.
//
// # Server
//
//	s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
//	hs := &http.Server{Handler: s.Middleware(app)}
//	s.Install(hs) // per-connection state: released when the connection closes
//	// in app: httpauth.Principal(r) == "alice@EXAMPLE.COM"; httpauth.IdentityFrom(r.Context()).Record
//
// Without a Negotiate Authorization header the answer is 401 with a bare
// "WWW-Authenticate: Negotiate". Incomplete exchanges are held per
// connection (keyed by the remote address), at most MaxPending at a time
// (then 503 for new multi-leg exchanges; single-leg Kerberos needs no slot)
// and for at most PendingTimeout. Oversized headers (MaxTokenBytes, checked
// before decoding), several Authorization headers and bad base64 get 400.
// A token that fails to authenticate — malformed SPNEGO, a Kerberos error,
// a missing or bad mechListMIC, a continuation with no exchange in progress
// — gets 401 with "WWW-Authenticate: Negotiate <reject NegTokenResp>": RFC
// 7235 wants a challenge on every 401, and a reject token ends the client's
// context instead of inviting it to start over, so clients do not loop.
// A success carries the final token in WWW-Authenticate; the wrapped handler
// must not remove it. Slow or silent clients are the http.Server's business:
// set its ReadHeaderTimeout and IdleTimeout (and keep its MaxHeaderBytes).
//
// # Delegation and the double hop
//
// A front end that must reach a back end as the user needs the user's
// credential. Transport.Delegate asks for it: DelegateByPolicy forwards the
// TGT only to services the KDC marks ok-as-delegate (the choice to make
// when delegation is wanted), DelegateAlways to any service; the default is
// none. On the server, Identity.DelegatedCredential returns the credential
// that came with the request (ErrNoDelegation, saying why it may be
// missing, when none did); use it as the Credential of a Transport (or of
// any negotiate.Config) to reach the back end as the user. It is released
// when the handler returns; TakeDelegatedCredential keeps it for the
// caller, who must Release it. An identity reused under ConnectionAuth
// carries none. The Result's Record.Delegation says what the client asked
// for and whether its mechanism forwarded a credential. With MIT, an
// acceptor credential of usage initiate+accept holding the service's TGT
// also yields a constrained-delegation (S4U2Proxy) credential when the user
// delegated nothing; the KDC then decides which back ends it may reach.
// docs/delegation.md has the configuration on MIT, Samba and Windows AD and
// the tests that run each kind against real KDCs
// (TestInteropDoubleHopMITApacheAndOurServer, internal/interop/samba).
//
// # Peers (tests in this package, Debian 12)
//
//   - curl 7.88 --negotiate (MIT): sends the optimistic token on the first
//     request and verifies our 200's AP-REP (TestInteropCurlInitiator).
//   - Apache 2.4 + mod_auth_gssapi 1.6.4 (MIT acceptor): 200 with the AP-REP
//     in WWW-Authenticate, verified by the Transport
//     (TestInteropApacheAcceptor). Without GssapiConnectionBound it cannot
//     continue a multi-leg exchange ("Mechanism needs continuation but
//     neither GssapiConnectionBound nor GssapiUseSessions are configured",
//     401; TestInteropApacheAcceptorNotConnectionBound). With it, a client
//     without optimistic token gets accept-completed + AP-REP and no
//     mechListMIC: fine under the RFC 4178 profile, refused under the
//     Windows profile, which requires MICs after an extra Kerberos leg with
//     an AES key (TestInteropApacheAcceptorMICMissing).
//   - Chromium 156 headless (Debian): on Linux it loads libgssapi_krb5
//     only once the profile's Local State has
//     net.received_http_auth_negotiate_headers; a fresh profile's first
//     Negotiate challenge sets it and fails with
//     ERR_UNSUPPORTED_AUTH_SCHEME, the next run authenticates with an
//     optimistic token (TestInteropChromiumInitiator).
package httpauth
