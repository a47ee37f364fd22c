package sspi

import (
	"strings"

	"github.com/gssnego/gssnego/gss"
)

// This file holds the SSPI ↔ GSS translation tables. It has no Windows
// imports so that its tests run on every GOOS as well as under Wine.

// SSPI package names (the pszPackage argument of AcquireCredentialsHandle).
const (
	PackageKerberos  = "Kerberos"
	PackageNTLM      = "NTLM"
	PackageNegotiate = "Negotiate"
)

// packageForMech returns the SSPI package that implements mech; the zero OID
// means the default, Kerberos.
func packageForMech(mech gss.OID) (string, bool) {
	switch {
	case mech == "" || mech.IsKerberos():
		return PackageKerberos, true
	case mech == gss.MechNTLMSSP:
		return PackageNTLM, true
	case mech == gss.MechSPNEGO:
		return PackageNegotiate, true
	}
	return "", false
}

// mechForPackage is the inverse of packageForMech for the names SSPI reports
// (SECPKG_ATTR_PACKAGE_INFO, SECPKG_ATTR_NEGOTIATION_INFO).
func mechForPackage(name string) (gss.OID, bool) {
	switch strings.ToLower(name) {
	case "kerberos":
		return gss.MechKRB5, true
	case "ntlm":
		return gss.MechNTLMSSP, true
	case "negotiate":
		return gss.MechSPNEGO, true
	}
	return "", false
}

// packageForToken picks the package for an initiator's first token, as a
// GSS acceptor picks the mechanism: "NTLMSSP\0" is NTLM, an RFC 2743 framed
// token with the SPNEGO OID is Negotiate, anything else is Kerberos (whose
// tokens carry one of the Kerberos OIDs, and which reports malformed
// tokens itself, a malformed framing included).
func packageForToken(tok []byte) string {
	if strings.HasPrefix(string(tok), "NTLMSSP\x00") {
		return PackageNTLM
	}
	if mech, _, err := gss.ParseFraming(tok); err == nil && mech == gss.MechSPNEGO {
		return PackageNegotiate
	}
	return PackageKerberos
}

// ISC_REQ_* / ISC_RET_* and ASC_REQ_* / ASC_RET_* values (sspi.h).
const (
	iscReqDelegate       = 0x00000001
	iscReqMutualAuth     = 0x00000002
	iscReqReplayDetect   = 0x00000004
	iscReqSequenceDetect = 0x00000008
	iscReqConfidentialty = 0x00000010
	iscReqUseDCEStyle    = 0x00000200
	iscReqConnection     = 0x00000800
	iscReqExtendedError  = 0x00004000
	iscReqIntegrity      = 0x00010000
	iscReqIdentify       = 0x00020000
	iscReqNullSession    = 0x00040000

	iscRetDelegate        = 0x00000001
	iscRetMutualAuth      = 0x00000002
	iscRetReplayDetect    = 0x00000004
	iscRetSequenceDetect  = 0x00000008
	iscRetConfidentiality = 0x00000010
	iscRetUsedDCEStyle    = 0x00000200
	iscRetExtendedError   = 0x00004000
	iscRetIntegrity       = 0x00010000
	iscRetIdentify        = 0x00020000
	iscRetNullSession     = 0x00040000

	ascReqDelegate         = 0x00000001
	ascReqMutualAuth       = 0x00000002
	ascReqReplayDetect     = 0x00000004
	ascReqSequenceDetect   = 0x00000008
	ascReqConfidentiality  = 0x00000010
	ascReqUseDCEStyle      = 0x00000200
	ascReqConnection       = 0x00000800
	ascReqExtendedError    = 0x00008000
	ascReqIntegrity        = 0x00020000
	ascReqIdentify         = 0x00080000
	ascReqAllowNullSession = 0x00100000

	ascRetDelegate        = 0x00000001
	ascRetMutualAuth      = 0x00000002
	ascRetReplayDetect    = 0x00000004
	ascRetSequenceDetect  = 0x00000008
	ascRetConfidentiality = 0x00000010
	ascRetUsedDCEStyle    = 0x00000200
	ascRetExtendedError   = 0x00008000
	ascRetIntegrity       = 0x00020000
	ascRetIdentify        = 0x00080000
	ascRetNullSession     = 0x00100000
)

// flagBit pairs a GSS flag with its SSPI bit.
type flagBit struct {
	gss  gss.Flags
	sspi uint32
}

var (
	iscReqBits = []flagBit{
		{gss.FlagDeleg, iscReqDelegate}, {gss.FlagDelegPolicy, iscReqDelegate},
		{gss.FlagMutual, iscReqMutualAuth}, {gss.FlagReplay, iscReqReplayDetect},
		{gss.FlagSequence, iscReqSequenceDetect}, {gss.FlagConf, iscReqConfidentialty},
		{gss.FlagInteg, iscReqIntegrity}, {gss.FlagAnon, iscReqNullSession},
		{gss.FlagDCEStyle, iscReqUseDCEStyle}, {gss.FlagIdentify, iscReqIdentify},
		{gss.FlagExtendedError, iscReqExtendedError},
	}
	iscRetBits = []flagBit{
		{gss.FlagDeleg, iscRetDelegate}, {gss.FlagMutual, iscRetMutualAuth},
		{gss.FlagReplay, iscRetReplayDetect}, {gss.FlagSequence, iscRetSequenceDetect},
		{gss.FlagConf, iscRetConfidentiality}, {gss.FlagInteg, iscRetIntegrity},
		{gss.FlagAnon, iscRetNullSession}, {gss.FlagDCEStyle, iscRetUsedDCEStyle},
		{gss.FlagIdentify, iscRetIdentify}, {gss.FlagExtendedError, iscRetExtendedError},
	}
	ascReqBits = []flagBit{
		{gss.FlagDeleg, ascReqDelegate}, {gss.FlagMutual, ascReqMutualAuth},
		{gss.FlagReplay, ascReqReplayDetect}, {gss.FlagSequence, ascReqSequenceDetect},
		{gss.FlagConf, ascReqConfidentiality}, {gss.FlagInteg, ascReqIntegrity},
		{gss.FlagAnon, ascReqAllowNullSession}, {gss.FlagDCEStyle, ascReqUseDCEStyle},
		{gss.FlagIdentify, ascReqIdentify}, {gss.FlagExtendedError, ascReqExtendedError},
	}
	ascRetBits = []flagBit{
		{gss.FlagDeleg, ascRetDelegate}, {gss.FlagMutual, ascRetMutualAuth},
		{gss.FlagReplay, ascRetReplayDetect}, {gss.FlagSequence, ascRetSequenceDetect},
		{gss.FlagConf, ascRetConfidentiality}, {gss.FlagInteg, ascRetIntegrity},
		{gss.FlagAnon, ascRetNullSession}, {gss.FlagDCEStyle, ascRetUsedDCEStyle},
		{gss.FlagIdentify, ascRetIdentify}, {gss.FlagExtendedError, ascRetExtendedError},
	}
)

func toSSPI(f gss.Flags, table []flagBit) uint32 {
	var out uint32
	for _, b := range table {
		if f&b.gss != 0 {
			out |= b.sspi
		}
	}
	return out
}

func fromSSPI(v uint32, table []flagBit) gss.Flags {
	var out gss.Flags
	for _, b := range table {
		if v&b.sspi != 0 {
			out |= b.gss
		}
	}
	return out
}

// iscReqFlags maps requested GSS flags to InitializeSecurityContext's fContextReq.
func iscReqFlags(f gss.Flags) uint32 { return toSSPI(f, iscReqBits) | iscReqConnection }

// ISCRetFlags maps InitializeSecurityContext's pfContextAttr (ISC_RET_*
// bits, which have the values of the ISC_REQ_* requests) to GSS flags. It
// and ISCRetBits are the one ISC ↔ GSS flag table, also used by the
// compat/sspi adapter.
func ISCRetFlags(v uint32) gss.Flags { return fromSSPI(v, iscRetBits) }

// ISCRetBits maps GSS flags to the ISC_RET_* bits that report them.
func ISCRetBits(f gss.Flags) uint32 { return toSSPI(f, iscRetBits) }

// ascReqFlags maps the acceptor's GSS flags to AcceptSecurityContext's fContextReq.
func ascReqFlags(f gss.Flags) uint32 { return toSSPI(f, ascReqBits) | ascReqConnection }

// ascRetFlags maps AcceptSecurityContext's pfContextAttr to GSS flags.
func ascRetFlags(v uint32) gss.Flags { return fromSSPI(v, ascRetBits) }

// targetSPN turns a GSS name into the pszTargetName SSPI expects:
// host-based "service@host" becomes the SPN "service/host"; Kerberos
// principals and user names are passed as they are.
func targetSPN(name string, nameType gss.NameType) string {
	if nameType == gss.NameHostBasedService {
		if svc, host, ok := strings.Cut(name, "@"); ok {
			return svc + "/" + host
		}
		return name + "/localhost"
	}
	return name
}

// splitUser splits a user name for SEC_WINNT_AUTH_IDENTITY: "DOMAIN\user",
// "user@REALM" (Kerberos principal or UPN) or a bare "user".
func splitUser(name string) (user, domain string) {
	if d, u, ok := strings.Cut(name, `\`); ok {
		return u, d
	}
	if at := strings.LastIndexByte(name, '@'); at > 0 {
		return name[:at], name[at+1:]
	}
	return name, ""
}

// enctypeFromKeyInfo reads the session-key enctype out of
// SecPkgContext_KeyInfo. For Kerberos the EncryptAlgorithm field holds the
// RFC 3961 etype number itself; other packages report CryptoAPI ALG_IDs,
// which are not enctypes.
func enctypeFromKeyInfo(pkg string, encryptAlgorithm uint32) gss.Enctype {
	if !strings.EqualFold(pkg, PackageKerberos) {
		return gss.EnctypeUnknown
	}
	e := gss.Enctype(int32(encryptAlgorithm))
	switch e {
	case gss.EnctypeDESCBCCRC, gss.EnctypeDESCBCMD5, gss.EnctypeDES3CBCSHA1,
		gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1, gss.EnctypeAES128SHA256,
		gss.EnctypeAES256SHA384, gss.EnctypeRC4HMAC, gss.EnctypeRC4HMACExp,
		gss.EnctypeCamellia128CMAC, gss.EnctypeCamellia256CMAC:
		return e
	}
	return gss.EnctypeUnknown
}
