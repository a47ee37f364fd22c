package sshgss

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// Option configures a Client or a Server. Each option says which side it
// is for; NewClient and NewServer refuse an option of the other side.
type Option func(*config)

type side int

const (
	sideClient side = 1 << iota
	sideServer
)

type config struct {
	provider     gss.Provider
	cred         gss.Credential // client: initiator credential; server: acceptor credential
	delegate     bool
	keytab       string
	acceptorName string

	used side // sides the given options belong to, for the misuse check
	name string
}

// WithProvider uses p instead of the platform's provider (MIT or Heimdal
// on Unix, SSPI on Windows). Client and Server.
func WithProvider(p gss.Provider) Option {
	return func(c *config) { c.provider = p; c.used |= sideClient | sideServer }
}

// WithCredential makes the Client log in with cred (a ccache other than
// KRB5CCNAME's, a credential acquired with a password or keytab, one
// delegated to this program or obtained by constrained delegation) instead
// of the default credential. The Client borrows cred: the caller releases
// it after the last login. Client only.
func WithCredential(cred gss.Credential) Option {
	return func(c *config) { c.cred = cred; c.used |= sideClient; c.name = "WithCredential" }
}

// WithDelegation makes the Client forward the user's TGT to the server
// (GSS_C_DELEG_FLAG), as `ssh -o GSSAPIDelegateCredentials=yes` does.
// x/crypto/ssh always calls InitSecContext with isGSSDelegCreds false, so
// this option is the way to ask for it; a true isGSSDelegCreds is honoured
// too. The TGT must be forwardable (kinit -f, or forwardable = true in
// krb5.conf). Client only.
func WithDelegation() Option {
	return func(c *config) { c.delegate = true; c.used |= sideClient; c.name = "WithDelegation" }
}

// WithAcceptorCredential makes the Server accept with cred, acquired by
// the caller for acceptance (it may be shared by every connection's
// Server; the caller releases it). Server only.
func WithAcceptorCredential(cred gss.Credential) Option {
	return func(c *config) { c.cred = cred; c.used |= sideServer; c.name = "WithAcceptorCredential" }
}

// WithKeytab makes the Server accept with the keys of this keytab
// ("FILE:/path" or a path) instead of KRB5_KTNAME's. The credential is
// acquired for each exchange and released when it ends. Server only.
func WithKeytab(keytab string) Option {
	return func(c *config) { c.keytab = keytab; c.used |= sideServer; c.name = "WithKeytab" }
}

// WithAcceptorName limits the Server to one service principal, as
// OpenSSH's GSSAPIStrictAcceptorCheck yes does: a host-based name such as
// "host@server.example.com", or a principal "host/server.example.com@REALM".
// Without it the Server accepts a ticket for any key in the keytab
// (OpenSSH's GSSAPIStrictAcceptorCheck no), which a host known by several
// names needs. Server only.
func WithAcceptorName(name string) Option {
	return func(c *config) { c.acceptorName = name; c.used |= sideServer; c.name = "WithAcceptorName" }
}

func newConfig(s side, opts []Option) (config, error) {
	var c config
	for _, o := range opts {
		c.used = 0
		o(&c)
		if c.used&s == 0 {
			kind := "NewClient"
			if s == sideServer {
				kind = "NewServer"
			}
			return c, fmt.Errorf("sshgss: %s: option %s belongs to the other side", kind, c.name)
		}
	}
	if c.provider == nil {
		p, err := platform.Provider()
		if err != nil {
			return c, fmt.Errorf("sshgss: no GSS provider for this build (%w); build with cgo on Unix or pass WithProvider", err)
		}
		c.provider = p
	}
	return c, nil
}

// importTarget imports a name as a host-based service ("host@server", what
// x/crypto/ssh passes) unless it is written as a Kerberos principal
// ("host/server@REALM"): an upper-case host name must not turn into a
// realm, as gss.GuessNameType would make it.
func importTarget(p gss.Provider, name string) (gss.Name, error) {
	nt := gss.NameHostBasedService
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			nt = gss.NameKerberosPrincipal
			break
		}
	}
	return p.ImportName(name, nt)
}
