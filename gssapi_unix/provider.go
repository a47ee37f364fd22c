//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"slices"
	"sync/atomic"

	"github.com/gssnego/gssnego/gss"
)

// Provider is the MIT or Heimdal GSS-API, whichever this build links. It
// implements gss.Provider and has no state of its own.
type Provider struct{}

var _ gss.Provider = (*Provider)(nil)

func init() {
	gss.RegisterProvider(implementation, func() (gss.Provider, error) { return New(), nil })
}

// New returns the provider.
func New() *Provider { return &Provider{} }

// Name returns "MIT", or "Heimdal" with the library's version ("Heimdal 7.8.0").
func (*Provider) Name() string {
	if v := C.gn_library_version(); v != nil {
		return C.GoString(v)
	}
	return implementation
}

// IndicateMechs lists the mechanisms the library offers (gss_indicate_mechs),
// including plug-ins such as gss-ntlmssp that MIT loads from /etc/gss/mech.d.
// The first successful answer is kept for the life of the process: the
// SPNEGO engine asks on every new context, and the libraries load a
// mechanism plug-in once and never unload it, so a mechanism configured
// after the process started needs a restart either way.
func (*Provider) IndicateMechs() ([]gss.OID, error) {
	if m := indicated.Load(); m != nil {
		return slices.Clone(*m), nil
	}
	defer lockThread()()
	var minor C.OM_uint32
	var set C.gss_OID_set
	if major := C.gss_indicate_mechs(&minor, &set); isError(major) {
		return nil, newError("gss_indicate_mechs", major, minor, "")
	}
	m := goOIDSet(&set)
	indicated.Store(&m)
	return slices.Clone(m), nil
}

// indicated is IndicateMechs' first answer.
var indicated atomic.Pointer[[]gss.OID]

// ImportName imports name as nameType: gss.NameHostBasedService
// ("HTTP@host"), gss.NameKerberosPrincipal ("HTTP/host@REALM"),
// gss.NameUserName or gss.NameExport (an exported name token).
func (*Provider) ImportName(name string, nameType gss.NameType) (gss.Name, error) {
	return importName(name, nameType)
}

// AcquireCredential acquires credentials. With no options it uses the
// library's defaults (KRB5CCNAME, KRB5_KTNAME, KRB5_CLIENT_KTNAME). A
// ccache, keytab, client keytab or replay cache goes through
// gss_acquire_cred_from on MIT; on Heimdal a ccache or keytab goes through
// GSS_KRB5_IMPORT_CRED_X (as gss_krb5_import_cred), and a client keytab or
// replay cache is refused with gss.ErrUnavailable. A password uses gss_acquire_cred_with_password.
func (*Provider) AcquireCredential(name gss.Name, mechs []gss.OID, usage gss.CredUsage, opts ...gss.CredOption) (gss.Credential, error) {
	return acquireCredential(name, mechs, usage, gss.NewCredConfig(opts...))
}

// InitSecContext starts an initiator context towards target; the first
// Continue(nil) makes the first token. The mechanism defaults to krb5.
func (*Provider) InitSecContext(target gss.Name, opts ...gss.InitSecContextOption) (gss.SecContext, error) {
	return initSecContext(target, gss.NewInitSecContextConfig(opts...))
}

// AcceptSecContext starts an acceptor context; feed it the initiator's tokens.
func (*Provider) AcceptSecContext(opts ...gss.AcceptSecContextOption) (gss.SecContext, error) {
	return acceptSecContext(gss.NewAcceptSecContextConfig(opts...))
}

// ImportSecContext revives a context exported by SecContext.Export.
func (*Provider) ImportSecContext(token []byte) (gss.SecContext, error) {
	return importSecContext(token)
}
