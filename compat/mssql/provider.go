package mssqlgss

import (
	"fmt"
	"strings"

	"github.com/microsoft/go-mssqldb/integratedauth"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

// Name is the provider's name in go-mssqldb's registry: connection strings
// select it with authenticator=gssnego.
const Name = "gssnego"

// Connection string parameters the provider reads besides "user id",
// "password" and ServerSPN. The krb5- names are those of go-mssqldb's
// krb5 provider.
const (
	ParamCredCache = "krb5-credcachefile"
	ParamKeytab    = "krb5-keytabfile"
	ParamMechs     = "gssnego-mechs"
)

// AuthProvider is the integratedauth.Provider registered under Name.
var AuthProvider integratedauth.Provider = integratedauth.ProviderFunc(newAuthenticator)

func init() {
	// Registration cannot fail for a non-nil provider and a non-empty name.
	_ = integratedauth.SetIntegratedAuthenticationProvider(Name, AuthProvider)
}

// mechNames maps gssnego-mechs entries to mechanisms.
var mechNames = map[string]gss.OID{
	"ms-krb5": gss.MechMSKRB5,
	"krb5":    gss.MechKRB5,
	"ntlm":    gss.MechNTLMSSP,
}

// newAuthenticator checks the connection string; nothing native is touched
// until InitialBytes, so an authenticator the driver never uses costs nothing.
func newAuthenticator(cfg msdsn.Config) (integratedauth.IntegratedAuthenticator, error) {
	a := &Authenticator{spn: SPN(cfg), user: cfg.User, password: cfg.Password}
	fail := func(format string, args ...any) error {
		return &Error{Step: StepConfig, Target: a.spn, Err: fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)}
	}
	a.ccache = cfg.Parameters[ParamCredCache]
	a.keytab = cfg.Parameters[ParamKeytab]
	if a.keytab != "" && a.user == "" {
		return nil, fail("%s needs \"user id\" (the principal whose key it holds)", ParamKeytab)
	}
	if (a.ccache != "" || a.keytab != "") && a.password != "" {
		return nil, fail("a password cannot be combined with %s or %s", ParamCredCache, ParamKeytab)
	}
	if a.password != "" && a.user == "" {
		return nil, fail("a password needs \"user id\"")
	}
	if s, ok := cfg.Parameters[ParamMechs]; ok {
		for _, n := range strings.Split(s, ",") {
			m, ok := mechNames[strings.ToLower(strings.TrimSpace(n))]
			if !ok {
				return nil, fail("%s: unknown mechanism %q (want ms-krb5, krb5 or ntlm)", ParamMechs, n)
			}
			a.mechs = append(a.mechs, m)
		}
	}
	return a, nil
}

// provider is the platform's GSS provider.
var provider = platform.Provider

// start imports the SPN, acquires the credentials the connection string
// asks for and makes the SPNEGO initiator.
func (a *Authenticator) start() error {
	p, err := provider()
	if err != nil {
		return &Error{Step: StepInitiate, Target: a.spn, Err: err}
	}
	target, err := p.ImportName(a.spn, gss.NameKerberosPrincipal)
	if err != nil {
		return &Error{Step: StepImportName, Target: a.spn, Err: err}
	}
	a.target = target
	engineProvider, release, err := negotiate.NTLMTargetProvider(p, a.spn)
	if err != nil {
		return &Error{Step: StepImportName, Target: a.spn, Err: err}
	}
	a.releaseNTLMTarget = release
	cfg := negotiate.Config{Provider: engineProvider, Mechs: a.mechs, ChannelBindings: a.cb, TargetOption: targetOption}
	if a.user != "" || a.ccache != "" {
		if cfg.Credential, err = a.acquire(p); err != nil {
			return &Error{Step: StepAcquireCredential, Target: a.spn, Err: err}
		}
		a.cred = cfg.Credential
	}
	c, err := negotiate.NewClient(target, cfg)
	if err != nil {
		return &Error{Step: StepInitiate, Target: a.spn, Err: err}
	}
	a.client = c
	return nil
}

// acquire gets explicit credentials: a password, a ccache or a keytab.
func (a *Authenticator) acquire(p gss.Provider) (gss.Credential, error) {
	var opts []gss.CredOption
	switch {
	case a.password != "":
		opts = append(opts, gss.WithPassword(a.password))
	case a.keytab != "":
		opts = append(opts, gss.WithClientKeytab(a.keytab))
	}
	if a.ccache != "" {
		opts = append(opts, gss.WithCCache(a.ccache))
	}
	var name gss.Name
	if a.user != "" {
		n, err := p.ImportName(a.user, gss.NameUserName)
		if err != nil {
			return nil, err
		}
		defer n.Release()
		name = n
	}
	return p.AcquireCredential(name, a.mechs, gss.CredInitiateOnly, opts...)
}
