package gss

import "strings"

// NameType is the OID of a GSS name syntax.
type NameType = OID

// Name types (RFC 2743 §4, RFC 1964 §2.1).
var (
	NameHostBasedService  = MustParseOID("1.2.840.113554.1.2.1.4") // "service@host"
	NameUserName          = MustParseOID("1.2.840.113554.1.2.1.1") // "user"
	NameKerberosPrincipal = MustParseOID("1.2.840.113554.1.2.2.1") // "service/host@REALM"
	NameExport            = MustParseOID("1.3.6.1.5.6.4")          // exported name token
	NameAnonymous         = MustParseOID("1.3.6.1.5.6.3")
)

// Name is an imported GSS name. Release frees the native object; a Name stays
// usable until then.
type Name interface {
	// String is the name's display form.
	String() string
	// Type is the name type it was imported or displayed with.
	Type() NameType
	// Release frees the native name. It is safe to call more than once.
	Release() error
}

// GuessNameType picks the name type a user most likely meant: a string with
// a '/' is a Kerberos principal ("HTTP/host@REALM", "user@REALM" too when it
// has no '/' but an upper-case realm), "service@host" is host-based, anything
// else is a user name.
func GuessNameType(s string) NameType {
	if strings.Contains(s, "/") {
		return NameKerberosPrincipal
	}
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		if realm := s[at+1:]; realm != "" && realm == strings.ToUpper(realm) && strings.Contains(realm, ".") {
			return NameKerberosPrincipal
		}
		return NameHostBasedService
	}
	return NameUserName
}
