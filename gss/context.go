package gss

import "time"

// SecContext is a GSS security context, initiator or acceptor. A context is
// safe for use by several goroutines: calls are serialised.
type SecContext interface {
	// Continue feeds the peer's token (nil for an initiator's first call) and
	// returns the token to send, which may be empty. When ContinueNeeded is
	// false after a nil error, the context is established.
	Continue(in []byte) (out []byte, err error)
	// ContinueNeeded reports whether another Continue call is expected.
	ContinueNeeded() bool
	// Inquire describes the context.
	Inquire() (*SecContextInfo, error)
	// GetMIC signs msg with the default QOP.
	GetMIC(msg []byte) ([]byte, error)
	// VerifyMIC checks a MIC over msg; a bad MIC is ErrBadMIC.
	VerifyMIC(msg, mic []byte) error
	// Wrap protects msg, sealing it if conf is true and the context allows;
	// confState says whether it was sealed.
	Wrap(msg []byte, conf bool) (token []byte, confState bool, err error)
	// Unwrap reverses Wrap; confState says whether the token was sealed.
	Unwrap(token []byte) (msg []byte, confState bool, err error)
	// WrapSizeLimit is the largest message whose wrap token fits maxToken bytes.
	WrapSizeLimit(conf bool, maxToken int) (int, error)
	// Export serialises an established context for another process and
	// makes this one unusable.
	Export() ([]byte, error)
	// Close deletes the context. It is safe to call more than once.
	Close() error
}

// SecContextInfo describes a security context.
type SecContextInfo struct {
	Mech             OID       // the mechanism actually in use
	Flags            Flags     // flags granted so far
	InitiatorName    string    // display name, empty if not known yet
	AcceptorName     string    // display name, empty if not known yet
	ExpiresAt        time.Time // zero when unknown or indefinite
	LocallyInitiated bool      // true on the initiator side
	Established      bool      // fully established
	// SessionKeyEnctype is the enctype of the key that protects per-message
	// tokens (the acceptor subkey when one was negotiated). When the backend
	// cannot tell, it is EnctypeUnknown and SessionKeyNote says why.
	SessionKeyEnctype Enctype
	SessionKeyNote    string
}

// ChannelBindings are GSS channel bindings (RFC 2744 §3.11). For TLS, put the
// RFC 5929 value ("tls-server-end-point:" + hash) in ApplicationData and leave
// the addresses empty, as every modern peer does.
type ChannelBindings struct {
	InitiatorAddrType uint32
	InitiatorAddress  []byte
	AcceptorAddrType  uint32
	AcceptorAddress   []byte
	ApplicationData   []byte
}

// InitSecContextConfig collects InitSecContext options; backends read it.
type InitSecContextConfig struct {
	Mech            OID // zero value: the backend's default (krb5 on Unix)
	Flags           Flags
	Credential      Credential // nil: default credentials
	ChannelBindings *ChannelBindings
	Lifetime        time.Duration
}

// InitSecContextOption configures InitSecContext.
type InitSecContextOption func(*InitSecContextConfig)

// WithMech selects the mechanism.
func WithMech(m OID) InitSecContextOption {
	return func(c *InitSecContextConfig) { c.Mech = m }
}

// WithFlags sets the requested context flags.
func WithFlags(f Flags) InitSecContextOption {
	return func(c *InitSecContextConfig) { c.Flags = f }
}

// WithInitiatorCredential uses cred instead of the default credentials.
func WithInitiatorCredential(cred Credential) InitSecContextOption {
	return func(c *InitSecContextConfig) { c.Credential = cred }
}

// WithInitiatorChannelBindings binds the context to a channel.
func WithInitiatorChannelBindings(cb *ChannelBindings) InitSecContextOption {
	return func(c *InitSecContextConfig) { c.ChannelBindings = cb }
}

// WithLifetime asks for a context lifetime.
func WithLifetime(d time.Duration) InitSecContextOption {
	return func(c *InitSecContextConfig) { c.Lifetime = d }
}

// NewInitSecContextConfig applies opts to a zero config.
func NewInitSecContextConfig(opts ...InitSecContextOption) InitSecContextConfig {
	var c InitSecContextConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// AcceptSecContextConfig collects AcceptSecContext options; backends read it.
type AcceptSecContextConfig struct {
	Credential      Credential // nil: default acceptor credentials (any key in the keytab)
	ChannelBindings *ChannelBindings
	// Flags are the acceptor's requested flags (SSPI ASC_REQ_*; GSS acceptors
	// ignore all but DCE style).
	Flags Flags
}

// AcceptSecContextOption configures AcceptSecContext.
type AcceptSecContextOption func(*AcceptSecContextConfig)

// WithAcceptorCredential uses cred instead of the default acceptor credentials.
func WithAcceptorCredential(cred Credential) AcceptSecContextOption {
	return func(c *AcceptSecContextConfig) { c.Credential = cred }
}

// WithAcceptorChannelBindings requires the initiator to bind to this channel.
func WithAcceptorChannelBindings(cb *ChannelBindings) AcceptSecContextOption {
	return func(c *AcceptSecContextConfig) { c.ChannelBindings = cb }
}

// WithAcceptorFlags sets the acceptor's requested flags.
func WithAcceptorFlags(f Flags) AcceptSecContextOption {
	return func(c *AcceptSecContextConfig) { c.Flags = f }
}

// NewAcceptSecContextConfig applies opts to a zero config.
func NewAcceptSecContextConfig(opts ...AcceptSecContextOption) AcceptSecContextConfig {
	var c AcceptSecContextConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}
