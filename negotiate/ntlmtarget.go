package negotiate

import (
	"runtime"
	"strings"

	"github.com/gssnego/gssnego/gss"
)

// NTLMTargetProvider wraps p so that an NTLM context started through it
// gets the target as a host-based name ("MSSQLSvc@host", "HTTP@host")
// while every other mechanism keeps the Kerberos principal name the caller
// imported from spn ("MSSQLSvc/host:1433@REALM"). gss-ntlmssp refuses a
// Kerberos principal as a target ("Not a server name"), and Kerberos needs
// the principal when the SPN is not of the "service@host" form, so a
// Negotiate client with NTLM fallback and such an SPN needs both. SSPI
// takes the SPN string for every package: on Windows p is returned as it
// is. release frees the imported name; call it after the contexts made
// through the wrapper are done.
func NTLMTargetProvider(p gss.Provider, spn string) (wrapped gss.Provider, release func(), err error) {
	if runtime.GOOS == "windows" {
		return p, func() {}, nil
	}
	n, err := p.ImportName(hostBasedName(spn), gss.NameHostBasedService)
	if err != nil {
		return nil, nil, err
	}
	return &ntlmTargetProvider{Provider: p, name: n}, func() { n.Release() }, nil
}

type ntlmTargetProvider struct {
	gss.Provider
	name gss.Name
}

// InitSecContext swaps the target for the host-based name when NTLM starts.
func (p *ntlmTargetProvider) InitSecContext(target gss.Name, opts ...gss.InitSecContextOption) (gss.SecContext, error) {
	if gss.NewInitSecContextConfig(opts...).Mech == gss.MechNTLMSSP {
		target = p.name
	}
	return p.Provider.InitSecContext(target, opts...)
}

// hostBasedName turns "MSSQLSvc/host:port@REALM" into "MSSQLSvc@host"; a
// name without '/' is returned as it is.
func hostBasedName(spn string) string {
	service, host, ok := strings.Cut(spn, "/")
	if !ok {
		return spn
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return service + "@" + strings.Trim(host, "[]")
}
