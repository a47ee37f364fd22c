package sspi

import (
	"fmt"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"

	"github.com/gssnego/gssnego/gss"
)

func init() {
	gss.RegisterProvider("SSPI", func() (gss.Provider, error) { return New(), nil })
}

// Provider is the SSPI implementation of gss.Provider.
type Provider struct{}

// New returns the SSPI provider. It holds no resources.
func New() *Provider { return &Provider{} }

var _ gss.Provider = (*Provider)(nil)

// Name returns "SSPI".
func (*Provider) Name() string { return "SSPI" }

// IndicateMechs lists the mechanisms whose SSPI package is installed:
// Kerberos (both krb5 OIDs), NTLM and SPNEGO (the Negotiate package).
func (*Provider) IndicateMechs() ([]gss.OID, error) {
	var mechs []gss.OID
	for _, m := range []gss.OID{gss.MechKRB5, gss.MechNTLMSSP, gss.MechSPNEGO} {
		pkg, _ := packageForMech(m)
		if _, err := QueryPackageInfo(pkg); err != nil {
			continue
		}
		mechs = append(mechs, m)
		if m == gss.MechKRB5 {
			mechs = append(mechs, gss.MechMSKRB5)
		}
	}
	if len(mechs) == 0 {
		return nil, gss.NewError(opQuerySecurityPackageInfo, gss.StatusBadMech, 0, "", "no Kerberos, NTLM or Negotiate package installed")
	}
	return mechs, nil
}

// PackageInfo describes an SSPI package (SecPkgInfo).
type PackageInfo struct {
	Name         string
	Comment      string
	Capabilities uint32
	Version      uint16
	RPCID        uint16
	MaxToken     uint32 // largest context token, sizes the output buffer
}

// QueryPackageInfo calls QuerySecurityPackageInfo for the named package.
func QueryPackageInfo(pkg string) (*PackageInfo, error) {
	name, err := utf16Ptr(pkg)
	if err != nil {
		return nil, err
	}
	var pi *winsspi.SecPkgInfo
	if ret := winsspi.QuerySecurityPackageInfo(name, &pi); ret != winsspi.SEC_E_OK {
		return nil, newError(opQuerySecurityPackageInfo, uint32(ret), "")
	}
	defer winsspi.FreeContextBuffer((*byte)(unsafe.Pointer(pi)))
	return packageInfoFrom(pi), nil
}

func packageInfoFrom(pi *winsspi.SecPkgInfo) *PackageInfo {
	return &PackageInfo{
		Name: utf16String(pi.Name), Comment: utf16String(pi.Comment),
		Capabilities: pi.Capabilities, Version: pi.Version, RPCID: pi.RPCID, MaxToken: pi.MaxToken,
	}
}

// Name is an imported name: the string and its type. SSPI has no name
// objects; the SPN is derived when a context is started.
type Name struct {
	name     string
	nameType gss.NameType
}

var _ gss.Name = (*Name)(nil)

// ImportName keeps name and its type; an empty nameType is guessed with
// gss.GuessNameType. SSPI checks names only when it uses them.
func (*Provider) ImportName(name string, nameType gss.NameType) (gss.Name, error) {
	if name == "" {
		return nil, gss.NewError("ImportName", gss.StatusBadName, 0, "", "empty name")
	}
	if nameType == "" {
		nameType = gss.GuessNameType(name)
	}
	switch nameType {
	case gss.NameHostBasedService, gss.NameKerberosPrincipal, gss.NameUserName:
	default:
		return nil, gss.NewError("ImportName", gss.StatusBadNameType, 0, "",
			fmt.Sprintf("name type %v is not supported by SSPI", nameType))
	}
	return &Name{name: name, nameType: nameType}, nil
}

// String returns the name as imported.
func (n *Name) String() string { return n.name }

// Type returns the name type it was imported with.
func (n *Name) Type() gss.NameType { return n.nameType }

// Release does nothing: an SSPI name holds no native resources.
func (n *Name) Release() error { return nil }

// SPN is the string SSPI is given for this name: "service/host" for a
// host-based "service@host", otherwise the name unchanged.
func (n *Name) SPN() string { return targetSPN(n.name, n.nameType) }

// ImportSecContext is not available: SSPI's ImportSecurityContext needs a
// token made by ExportSecurityContext in a process of the same logon
// session, which this backend does not offer.
func (*Provider) ImportSecContext([]byte) (gss.SecContext, error) {
	return nil, gss.NewError("ImportSecurityContext", gss.StatusUnavailable, 0, "", "context export/import is not supported by the SSPI backend")
}
