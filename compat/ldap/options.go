package ldapgss

import (
	"crypto/tls"

	"github.com/gssnego/gssnego/gss"
)

// Option configures a Client.
type Option func(*config)

type config struct {
	provider gss.Provider
	cred     gss.Credential
	cb       *gss.ChannelBindings
	tlsState *tls.ConnectionState
	conn     *Conn
	layer    Layer
	authzid  string
	maxBuf   uint32
	flags    gss.Flags

	// forceLayer, set only by tests, answers with a layer the server did
	// not offer, to see the server refuse it.
	forceLayer Layer
}

// DefaultMaxBuffer is the largest wrapped buffer a Client announces it
// accepts (WithMaxBuffer changes it): 16 MiB − 1, the largest the
// three-octet field can carry, so large search results are never refused.
const DefaultMaxBuffer = maxBufLimit

// WithProvider uses p instead of platform.Provider() (SSPI on Windows,
// MIT or Heimdal elsewhere).
func WithProvider(p gss.Provider) Option { return func(c *config) { c.provider = p } }

// WithCredential binds with cred instead of the default credentials (the
// ticket cache, or the logged-on user on Windows): e.g. a credential
// acquired with a password or keytab, or a delegated one. The Client does
// not release it.
func WithCredential(cred gss.Credential) Option { return func(c *config) { c.cred = cred } }

// WithChannelBindings binds the context to the channel (RFC 5929 values
// for TLS; see WithTLSConnectionState). It overrides the bindings a Conn
// over TLS would give.
func WithChannelBindings(cb *gss.ChannelBindings) Option { return func(c *config) { c.cb = cb } }

// WithTLSConnectionState says the bind runs over TLS (LDAPS, or after
// StartTLS: pass ldap.Conn.TLSConnectionState()): the context is bound to
// the server certificate (tls-server-end-point, what Active Directory's
// LDAP channel-binding enforcement checks) and no SASL layer is chosen
// unless WithSecurityLayer asks for one.
func WithTLSConnectionState(cs tls.ConnectionState) Option {
	return func(c *config) { c.tlsState = &cs }
}

// WithConn lets the bind switch on a security layer on conn, the Conn
// given to ldap.NewConn. Without it only LayerNone can be chosen. When
// conn wraps a *tls.Conn it counts as WithTLSConnectionState.
func WithConn(conn *Conn) Option { return func(c *config) { c.conn = conn } }

// WithSecurityLayer requires exactly layer; the bind fails with
// ErrNoCommonLayer when the server does not offer it. Without this option
// the Client chooses: over TLS none (or the weakest the server accepts),
// otherwise the strongest the server offers that a Conn can carry —
// confidentiality, then integrity, then none.
func WithSecurityLayer(layer Layer) Option { return func(c *config) { c.layer = layer } }

// WithAuthzID asks the server to authorise the session as id (RFC 4752
// authzid; e.g. "dn:uid=bob,ou=people,dc=example,dc=com" or "u:bob").
// A non-empty authzid passed to GSSAPIBind takes precedence.
func WithAuthzID(id string) Option { return func(c *config) { c.authzid = id } }

// WithMaxBuffer sets the largest wrapped buffer we announce to the server
// and accept from it (1 to 16 MiB − 1; DefaultMaxBuffer).
func WithMaxBuffer(n uint32) Option {
	return func(c *config) { c.maxBuf = min(max(n, 1), maxBufLimit) }
}

// WithDelegation asks for a forwardable ticket to be delegated to the
// server (GSS deleg flag); off by default, as in OpenLDAP's clients.
func WithDelegation() Option { return func(c *config) { c.flags |= gss.FlagDeleg } }
