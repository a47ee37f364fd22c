package gss

import "time"

// CredUsage says what a credential is for.
type CredUsage int

// Credential usages (RFC 2744 values).
const (
	CredInitiateAndAccept CredUsage = 0
	CredInitiateOnly      CredUsage = 1
	CredAcceptOnly        CredUsage = 2
)

// Credential is an acquired GSS credential.
type Credential interface {
	// Inquire returns what the credential holds.
	Inquire() (*CredInfo, error)
	// Release frees the native credential. It is safe to call more than once.
	Release() error
}

// CredInfo describes a credential.
type CredInfo struct {
	Name      string    // display name of the principal
	Usage     CredUsage // what it may be used for
	Mechs     []OID     // mechanisms it holds elements for
	ExpiresAt time.Time // zero when unknown or indefinite
}

// CredConfig collects what AcquireCredential was asked for. Backends read it;
// callers build it with CredOption values.
type CredConfig struct {
	CCache       string        // credential cache ("FILE:/path", "MEMORY:x" or a path)
	Keytab       string        // acceptor keytab
	ClientKeytab string        // initiator keytab (MIT client_keytab)
	ReplayCache  string        // acceptor replay cache
	Password     *string       // acquire initiator credentials with this password
	Lifetime     time.Duration // 0 = default
}

// CredOption configures AcquireCredential.
type CredOption func(*CredConfig)

// WithCCache selects the credential cache instead of the default (KRB5CCNAME).
func WithCCache(name string) CredOption { return func(c *CredConfig) { c.CCache = name } }

// WithKeytab selects the acceptor keytab instead of the default (KRB5_KTNAME).
func WithKeytab(name string) CredOption { return func(c *CredConfig) { c.Keytab = name } }

// WithClientKeytab lets an initiator get tickets from a keytab.
func WithClientKeytab(name string) CredOption {
	return func(c *CredConfig) { c.ClientKeytab = name }
}

// WithReplayCache selects the acceptor's replay cache.
func WithReplayCache(name string) CredOption { return func(c *CredConfig) { c.ReplayCache = name } }

// WithPassword acquires initiator credentials with a password
// (gss_acquire_cred_with_password, or SSPI explicit credentials).
func WithPassword(pw string) CredOption { return func(c *CredConfig) { c.Password = &pw } }

// WithCredLifetime asks for a credential lifetime.
func WithCredLifetime(d time.Duration) CredOption { return func(c *CredConfig) { c.Lifetime = d } }

// NewCredConfig applies opts to a zero CredConfig.
func NewCredConfig(opts ...CredOption) CredConfig {
	var c CredConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}
