package sspi

import (
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"
	"golang.org/x/sys/windows"

	"github.com/gssnego/gssnego/gss"
)

// Credential is an SSPI credentials handle for one package.
type Credential struct {
	h       *credHandle
	cleanup runtime.Cleanup
	pkg     string
	mech    gss.OID
	usage   gss.CredUsage
	name    string // the principal asked for, "" for the logon session's
	expiry  time.Time
}

var _ gss.Credential = (*Credential)(nil)

// credHandle owns the native handle; it lives apart from Credential so that
// the cleanup can free it without keeping the Credential reachable.
type credHandle struct {
	mu    sync.Mutex
	h     winsspi.CredHandle
	freed bool
}

func (c *credHandle) free() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.freed {
		return nil
	}
	c.freed = true
	if ret := winsspi.FreeCredentialsHandle(&c.h); ret != winsspi.SEC_E_OK {
		return newError(opFreeCredentialsHandle, uint32(ret), "")
	}
	return nil
}

// credUse maps a GSS usage to SECPKG_CRED_*.
func credUse(u gss.CredUsage) uint32 {
	switch u {
	case gss.CredInitiateOnly:
		return winsspi.SECPKG_CRED_OUTBOUND
	case gss.CredAcceptOnly:
		return winsspi.SECPKG_CRED_INBOUND
	}
	return winsspi.SECPKG_CRED_BOTH
}

// packageForMechs picks the one SSPI package a credential for mechs uses:
// Negotiate if SPNEGO is asked for, else the first mechanism SSPI has.
func packageForMechs(mechs []gss.OID) (string, gss.OID, error) {
	if len(mechs) == 0 {
		return PackageKerberos, gss.MechKRB5, nil
	}
	for _, m := range mechs {
		if m == gss.MechSPNEGO {
			return PackageNegotiate, m, nil
		}
	}
	for _, m := range mechs {
		if pkg, ok := packageForMech(m); ok {
			return pkg, m, nil
		}
	}
	return "", "", gss.NewError(opAcquireCredentialsHandle, gss.StatusBadMech, 0, mechs[0], "no SSPI package for the requested mechanisms")
}

// AcquireCredential calls AcquireCredentialsHandle. name nil means the
// logon session's own credentials; with gss.WithPassword, name is the user
// ("user@REALM", "DOMAIN\user" or "user") and explicit credentials are
// built from it. An acceptor name is the SPN or principal to accept for.
// SSPI has no keytab or ccache parameter: asking for one is an error.
func (p *Provider) AcquireCredential(name gss.Name, mechs []gss.OID, usage gss.CredUsage, opts ...gss.CredOption) (gss.Credential, error) {
	cfg := gss.NewCredConfig(opts...)
	pkg, mech, err := packageForMechs(mechs)
	if err != nil {
		return nil, err
	}
	if cfg.Keytab != "" || cfg.CCache != "" || cfg.ClientKeytab != "" || cfg.ReplayCache != "" {
		return nil, gss.NewError(opAcquireCredentialsHandle, gss.StatusUnavailable, 0, mech,
			"SSPI has no keytab, ccache or replay cache parameter; the logon session (or, under Wine, KRB5_* variables) decides")
	}
	var principal string
	if name != nil {
		principal = nameString(name)
	}
	return acquire(pkg, mech, principal, usage, cfg.Password)
}

func nameString(n gss.Name) string {
	if sn, ok := n.(*Name); ok {
		return sn.SPN()
	}
	return targetSPN(n.String(), n.Type())
}

func acquire(pkg string, mech gss.OID, principal string, usage gss.CredUsage, password *string) (*Credential, error) {
	pkgName, err := utf16Ptr(pkg)
	if err != nil {
		return nil, err
	}
	var authData *byte
	var ident *winsspi.SEC_WINNT_AUTH_IDENTITY
	if password != nil {
		if principal == "" {
			return nil, gss.NewError(opAcquireCredentialsHandle, gss.StatusBadName, 0, mech, "a password needs a user name")
		}
		ident, err = authIdentity(principal, *password)
		if err != nil {
			return nil, err
		}
		authData = (*byte)(unsafe.Pointer(ident))
		principal = ""
	}
	pname, err := utf16Ptr(principal)
	if err != nil {
		return nil, err
	}
	h := &credHandle{}
	var expiry syscall.Filetime
	ret := winsspi.AcquireCredentialsHandle(pname, pkgName, credUse(usage), nil, authData, 0, 0, &h.h, &expiry)
	runtime.KeepAlive(ident)
	if ret != winsspi.SEC_E_OK {
		return nil, newError(opAcquireCredentialsHandle, uint32(ret), mech)
	}
	c := &Credential{h: h, pkg: pkg, mech: mech, usage: usage, name: principal, expiry: timestampToTime(expiry)}
	if ident != nil {
		c.name = windows.UTF16PtrToString(ident.User)
		if ident.DomainLength > 0 {
			c.name += "@" + windows.UTF16PtrToString(ident.Domain)
		}
	}
	c.cleanup = runtime.AddCleanup(c, func(h *credHandle) {
		cleanupFrees.Add(1)
		_ = h.free()
	}, h)
	return c, nil
}

// authIdentity builds SEC_WINNT_AUTH_IDENTITY_W for explicit credentials.
func authIdentity(name, password string) (*winsspi.SEC_WINNT_AUTH_IDENTITY, error) {
	user, domain := splitUser(name)
	u, err := windows.UTF16FromString(user)
	if err != nil {
		return nil, err
	}
	d, err := windows.UTF16FromString(domain)
	if err != nil {
		return nil, err
	}
	pw, err := windows.UTF16FromString(password)
	if err != nil {
		return nil, err
	}
	id := &winsspi.SEC_WINNT_AUTH_IDENTITY{
		User: &u[0], UserLength: uint32(len(u) - 1),
		Password: &pw[0], PasswordLength: uint32(len(pw) - 1),
		Flags: winsspi.SEC_WINNT_AUTH_IDENTITY_UNICODE,
	}
	if domain != "" {
		id.Domain, id.DomainLength = &d[0], uint32(len(d)-1)
	}
	return id, nil
}

// Package returns the SSPI package the credential belongs to.
func (c *Credential) Package() string { return c.pkg }

// Inquire returns the credential's principal (SECPKG_CRED_ATTR_NAMES, or
// the name it was acquired for when the package cannot say), usage,
// mechanism and expiry.
func (c *Credential) Inquire() (*gss.CredInfo, error) {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	if c.h.freed {
		return nil, gss.NewError("QueryCredentialsAttributes", gss.StatusNoCred, 0, c.mech, "credential released")
	}
	info := &gss.CredInfo{Name: c.name, Usage: c.usage, Mechs: []gss.OID{c.mech}, ExpiresAt: c.expiry}
	if c.mech == gss.MechKRB5 {
		info.Mechs = append(info.Mechs, gss.MechMSKRB5)
	}
	var names secPkgCredentialsNames
	if ret := queryCredentialsAttributes(&c.h.h, secpkgCredAttrNames, unsafe.Pointer(&names)); ret == secEOK {
		if n := takeString(names.UserName); n != "" {
			info.Name = n
		}
	}
	return info, nil
}

// Release frees the credentials handle. It is safe to call more than once.
func (c *Credential) Release() error {
	c.cleanup.Stop()
	return c.h.free()
}
