package dnsgss

import (
	"time"

	"github.com/gssnego/gssnego/gss"
)

// Mechanism chooses the GSS mechanism of the TKEY exchange.
type Mechanism int

const (
	// SPNEGO wraps Kerberos in SPNEGO (RFC 4178) through gssnego's own
	// negotiation engine: what Windows clients send and Windows DNS and
	// Samba expect. The default.
	SPNEGO Mechanism = iota
	// Kerberos is the raw Kerberos mechanism (RFC 4121); BIND 9.18 and
	// Samba 4.17 accept it as well as SPNEGO.
	Kerberos
)

// Option configures a Client.
type Option func(*Client)

// WithTarget names the DNS server as the KDC knows it: a host-based name
// "DNS@dc1.example.com" (the default is DNS@ the host of the server
// address) or a principal "DNS/dc1.example.com@EXAMPLE.COM". Active
// Directory registers DNS/<the DC's FQDN> on each DC's machine account, so
// a DC reached by IP address needs its FQDN here.
func WithTarget(name string) Option { return func(c *Client) { c.target = name } }

// WithMechanism chooses SPNEGO (default) or raw Kerberos.
func WithMechanism(m Mechanism) Option { return func(c *Client) { c.mech = m } }

// WithAlgorithm chooses the algorithm name: AlgGSSTSIG (default) or
// AlgMicrosoft.
func WithAlgorithm(alg string) Option { return func(c *Client) { c.alg = alg } }

// WithCredential replaces the default credential (KRB5CCNAME's cache, the
// logged-on user on Windows): a machine account from its keytab, another
// cache, a password.
func WithCredential(cred gss.Credential) Option { return func(c *Client) { c.cred = cred } }

// WithProvider replaces the platform's GSS provider.
func WithProvider(p gss.Provider) Option { return func(c *Client) { c.provider = p } }

// WithTimeout bounds each TCP exchange (default 10 s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithFudge sets the TSIG fudge, the clock difference the server may
// accept (default 300 s, RFC 8945).
func WithFudge(seconds uint16) Option { return func(c *Client) { c.fudge = seconds } }

// WithKeyLifetime sets the lifetime asked for in the TKEY (default one
// hour); the server and the ticket may shorten it.
func WithKeyLifetime(d time.Duration) Option { return func(c *Client) { c.lifetime = d } }
