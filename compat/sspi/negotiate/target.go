package negotiate

import (
	"runtime"
	"strings"

	"github.com/gssnego/gssnego/gss"
)

// ntlmTargetProvider gives gss-ntlmssp the target as a host-based name
// ("HTTP@host"): it refuses Kerberos principal names for a target ("Not a
// server name"), while Kerberos needs the SPN as a principal name. SSPI
// takes the SPN string for every package, so on Windows the provider is
// used unchanged.
type ntlmTargetProvider struct {
	gss.Provider
	name gss.Name
}

// withNTLMTarget wraps p when the platform needs it; the returned release
// frees what it imported.
func withNTLMTarget(p gss.Provider, spn string) (gss.Provider, func(), error) {
	if runtime.GOOS == "windows" {
		return p, func() {}, nil
	}
	n, err := p.ImportName(hostBased(spn), gss.NameHostBasedService)
	if err != nil {
		return nil, nil, err
	}
	return &ntlmTargetProvider{Provider: p, name: n}, func() { n.Release() }, nil
}

// InitSecContext swaps the target for the host-based name when NTLM starts.
func (p *ntlmTargetProvider) InitSecContext(target gss.Name, opts ...gss.InitSecContextOption) (gss.SecContext, error) {
	if gss.NewInitSecContextConfig(opts...).Mech == gss.MechNTLMSSP {
		target = p.name
	}
	return p.Provider.InitSecContext(target, opts...)
}

// hostBased turns "HTTP/host:port@REALM" into "HTTP@host".
func hostBased(spn string) string {
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
