package negotiate

import (
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// maxToken is Negotiate's cbMaxToken on current Windows (48000 for
// Kerberos plus SPNEGO's framing); gssnego allocates as needed, so it is
// only what GetPackageInfo reports.
const maxToken = 48256

// Package capabilities GetPackageInfo reports (SECPKG_FLAG_*): what the
// contexts this package makes can do.
const (
	secpkgFlagIntegrity  = 0x1
	secpkgFlagPrivacy    = 0x2
	secpkgFlagConnection = 0x10
	secpkgFlagNegotiable = 0x800
	secpkgFlagGSSCompat  = 0x1000
	secpkgFlagMutualAuth = 0x20000
	rpcAuthnGSSNegotiate = 9 // RPC_C_AUTHN_GSS_NEGOTIATE
)

// PackageInfo contains the Negotiate package description.
//
// It's initialized best-effort during init. Without a GSS provider (a
// build without cgo off Windows) it is nil.
//
// Deprecated: use GetPackageInfo instead.
var PackageInfo *sspi.PackageInfo

func init() {
	PackageInfo, _ = GetPackageInfo()
}

var (
	pkgInfoMu sync.Mutex
	pkgInfo   *sspi.PackageInfo
)

// GetPackageInfo returns the Negotiate package description. Its Comment
// names the GSS implementation underneath.
func GetPackageInfo() (*sspi.PackageInfo, error) {
	pkgInfoMu.Lock()
	defer pkgInfoMu.Unlock()
	if pkgInfo != nil {
		return pkgInfo, nil
	}
	p, err := provider()
	if err != nil {
		return nil, &sspi.Error{Op: "negotiate.GetPackageInfo", Status: sspi.SEC_E_SECPKG_NOT_FOUND, Err: err}
	}
	pkgInfo = &sspi.PackageInfo{
		Capabilities: secpkgFlagIntegrity | secpkgFlagPrivacy | secpkgFlagConnection |
			secpkgFlagNegotiable | secpkgFlagGSSCompat | secpkgFlagMutualAuth,
		Version:  1,
		RPCID:    rpcAuthnGSSNegotiate,
		MaxToken: maxToken,
		Name:     sspi.NEGOSSP_NAME,
		Comment:  "gssnego SPNEGO over " + p.Name(),
	}
	return pkgInfo, nil
}

// provider is the platform's GSS provider.
var provider = platform.Provider

func credError(op string, err error) error {
	return &sspi.Error{Op: op, Status: sspi.StatusOf(err), Err: err}
}

// AcquireCurrentUserCredentials acquires credentials of currently
// logged on user. These will be used by the client to authenticate
// itself to the server. It will also be used by the server
// to impersonate the user.
//
// Off Windows the current user is the one of the default credential cache
// (KRB5CCNAME) and, with gss-ntlmssp, of NTLM_USER_FILE: without either
// the call fails with SEC_E_NO_CREDENTIALS.
func AcquireCurrentUserCredentials() (*sspi.Credentials, error) {
	const op = "negotiate.AcquireCurrentUserCredentials"
	p, err := provider()
	if err != nil {
		return nil, credError(op, err)
	}
	// Acquiring checks that a credential exists and tells its expiry; the
	// contexts then use each mechanism's default credential, which on
	// Windows is per package (a Kerberos handle cannot serve NTLM).
	c, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly)
	if err != nil {
		return nil, credError(op, err)
	}
	defer c.Release()
	return sspi.NewCredentials(nil, nil, expiry(c)), nil
}

// AcquireUserCredentials acquires credentials of user described by
// domain, username and password. These will be used by the client to
// authenticate itself to the server. It will also be used by the
// server to impersonate the user.
//
// Off Windows the user becomes "username@DOMAIN" with the domain in upper
// case (a Kerberos realm; gss-ntlmssp reads the same form), and the
// password gets a TGT without touching any credential cache. On Windows
// the credentials serve Kerberos only.
func AcquireUserCredentials(domain, username, password string) (*sspi.Credentials, error) {
	const op = "negotiate.AcquireUserCredentials"
	if len(username) == 0 {
		return nil, &sspi.Error{Op: op, Status: sspi.SEC_E_NO_CREDENTIALS, Err: errEmptyUser}
	}
	p, err := provider()
	if err != nil {
		return nil, credError(op, err)
	}
	user := username
	switch {
	case domain == "":
	case runtime.GOOS == "windows":
		user = domain + `\` + username
	default:
		user = username + "@" + strings.ToUpper(domain)
	}
	name, err := p.ImportName(user, gss.NameUserName)
	if err != nil {
		return nil, credError(op, err)
	}
	defer name.Release()
	var mechs []gss.OID
	if runtime.GOOS == "windows" {
		mechs = []gss.OID{gss.MechMSKRB5, gss.MechKRB5}
	}
	c, err := p.AcquireCredential(name, mechs, gss.CredInitiateOnly, gss.WithPassword(password))
	if err != nil {
		return nil, credError(op, err)
	}
	return sspi.NewCredentials(c, mechs, expiry(c)), nil
}

// AcquireServerCredentials acquires server credentials that will
// be used to authenticate clients.
// The principalName parameter is passed to the underlying call to
// the winapi AcquireCredentialsHandle function (and specifies the
// name of the principal whose credentials the underlying handle
// will reference).
// As a special case, using an empty string for the principal name
// will require the credential of the user under whose security context
// the current process is running.
//
// Off Windows an empty name accepts with any key of the default keytab
// (KRB5_KTNAME) and, with gss-ntlmssp, NTLM_USER_FILE; a name
// ("HTTP/host.example.com" or "HTTP/host.example.com@REALM") limits the
// acceptor to that principal's keys.
func AcquireServerCredentials(principalName string) (*sspi.Credentials, error) {
	const op = "negotiate.AcquireServerCredentials"
	if principalName == "" {
		return sspi.NewCredentials(nil, nil, time.Time{}), nil
	}
	p, err := provider()
	if err != nil {
		return nil, credError(op, err)
	}
	name, err := p.ImportName(principalName, gss.GuessNameType(principalName))
	if err != nil {
		return nil, credError(op, err)
	}
	defer name.Release()
	var mechs []gss.OID
	if runtime.GOOS == "windows" {
		mechs = []gss.OID{gss.MechMSKRB5, gss.MechKRB5}
	}
	c, err := p.AcquireCredential(name, mechs, gss.CredAcceptOnly)
	if err != nil {
		return nil, credError(op, err)
	}
	return sspi.NewCredentials(c, mechs, expiry(c)), nil
}

func expiry(c gss.Credential) time.Time {
	info, err := c.Inquire()
	if err != nil {
		return time.Time{}
	}
	return info.ExpiresAt
}
