package sspisample

import (
	"fmt"
	"strings"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

// DefaultPort is the sample's TCP port.
const DefaultPort = 2000

// Message is what the server sends, encrypted, once the client is authenticated.
const Message = "This is your server speaking"

// Security packages, as SSPI names them.
const (
	PackageNegotiate = "Negotiate" // SPNEGO (the sample's choice)
	PackageKerberos  = "Kerberos"  // raw Kerberos tokens, no SPNEGO
	PackageNTLM      = "NTLM"      // raw NTLMSSP tokens, no SPNEGO
)

// Engines for the Negotiate package.
const (
	EngineGo     = "go"     // gssnego's SPNEGO over the provider's raw mechanisms
	EngineNative = "native" // the provider's own SPNEGO, inspected
)

// DefaultTimeout bounds one connection (authentication and message).
const DefaultTimeout = 30 * time.Second

// Config configures a client or a server. The zero value is the sample's
// choice: Negotiate, gssnego's Go SPNEGO, the Windows mechListMIC profile and
// the platform provider's default credentials.
type Config struct {
	// Provider supplies the mechanisms; nil means platform.Provider().
	Provider gss.Provider
	// Package is PackageNegotiate (default), PackageKerberos or PackageNTLM
	// (any case).
	Package string
	// Engine is EngineGo (default) or EngineNative; only for Negotiate.
	Engine string
	// Profile is the mechListMIC policy (Go engine: enforced with keys;
	// native: presence only).
	Profile negotiate.Profile
	// Mechs are the mechTypes a Go-engine client offers, in order, or the
	// mechanisms a Go-engine server accepts; nil: negotiate.DefaultMechs.
	Mechs []gss.OID
	// NoOptimisticToken makes a Go-engine client wait for the server's
	// choice before sending a mechanism token (MICs become due).
	NoOptimisticToken bool
	// Credential replaces the default credentials.
	Credential gss.Credential
	// MaxToken caps frames and the final message; 0 means DefaultMaxToken.
	MaxToken int
	// Timeout bounds a whole connection; 0 means DefaultTimeout.
	Timeout time.Duration
}

func (c *Config) norm() (Config, error) {
	n := *c
	if n.Provider == nil {
		p, err := platform.Provider()
		if err != nil {
			return n, err
		}
		n.Provider = p
	}
	pkg, err := ParsePackage(n.Package)
	if err != nil {
		return n, err
	}
	n.Package = pkg
	switch strings.ToLower(n.Engine) {
	case "", EngineGo:
		n.Engine = EngineGo
	case EngineNative:
		n.Engine = EngineNative
	default:
		return n, fmt.Errorf("sspisample: unknown engine %q (want go or native)", n.Engine)
	}
	if n.Package != PackageNegotiate {
		n.Engine = ""
	}
	if n.MaxToken <= 0 {
		n.MaxToken = DefaultMaxToken
	}
	if n.Timeout <= 0 {
		n.Timeout = DefaultTimeout
	}
	return n, nil
}

// ParsePackage maps "negotiate", "kerberos" or "ntlm" (any case; "" is
// Negotiate) to the package name.
func ParsePackage(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "negotiate", "spnego":
		return PackageNegotiate, nil
	case "kerberos", "krb5":
		return PackageKerberos, nil
	case "ntlm":
		return PackageNTLM, nil
	}
	return "", fmt.Errorf("sspisample: unknown package %q (want Negotiate, Kerberos or NTLM)", s)
}

// rawMech is the mechanism of a non-Negotiate package.
func rawMech(pkg string) gss.OID {
	if pkg == PackageNTLM {
		return gss.MechNTLMSSP
	}
	return gss.MechKRB5
}

// clientFlags are the sample's ISC_REQ_CONFIDENTIALITY, plus integrity and
// mutual authentication (which the Go engine adds anyway).
const clientFlags = gss.FlagConf | gss.FlagInteg | gss.FlagMutual

func (c *Config) engineConfig() negotiate.Config {
	return negotiate.Config{
		Provider: c.Provider, Mechs: c.Mechs, Profile: c.Profile, Flags: clientFlags,
		Credential: c.Credential, NoOptimisticToken: c.NoOptimisticToken,
	}
}

// newClientContext starts the initiator for target.
func (c *Config) newClientContext(target string) (gss.SecContext, error) {
	name, err := c.Provider.ImportName(target, gss.GuessNameType(target))
	if err != nil {
		return nil, fmt.Errorf("sspisample: target %q: %w", target, err)
	}
	switch {
	case c.Package != PackageNegotiate:
		opts := []gss.InitSecContextOption{gss.WithMech(rawMech(c.Package)), gss.WithFlags(clientFlags)}
		if c.Credential != nil {
			opts = append(opts, gss.WithInitiatorCredential(c.Credential))
		}
		return c.Provider.InitSecContext(name, opts...)
	case c.Engine == EngineNative:
		return negotiate.NewNativeClient(name, c.engineConfig())
	}
	return negotiate.NewClient(name, c.engineConfig())
}

// newServerContext starts the acceptor; release frees what it acquired
// once the context is closed.
func (c *Config) newServerContext() (ctx gss.SecContext, release func(), err error) {
	release = func() {}
	switch {
	case c.Package != PackageNegotiate:
		cred := c.Credential
		if cred == nil {
			// A raw package needs acceptor credentials for its mechanism
			// (SSPI picks the package from them).
			cred, err = c.Provider.AcquireCredential(nil, []gss.OID{rawMech(c.Package)}, gss.CredAcceptOnly)
			if err != nil {
				return nil, release, fmt.Errorf("sspisample: %s acceptor credentials: %w", c.Package, err)
			}
			release = func() { _ = cred.Release() }
		}
		ctx, err = c.Provider.AcceptSecContext(gss.WithAcceptorCredential(cred))
	case c.Engine == EngineNative:
		ctx, err = negotiate.NewNativeServer(c.engineConfig())
	default:
		ctx, err = negotiate.NewServer(c.engineConfig())
	}
	return ctx, release, err
}
