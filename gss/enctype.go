package gss

import "strconv"

// Enctype is a Kerberos encryption type number (RFC 3961 registry).
type Enctype int32

// Encryption types that matter for the mechListMIC policy.
const (
	EnctypeUnknown         Enctype = 0
	EnctypeDESCBCCRC       Enctype = 1
	EnctypeDESCBCMD5       Enctype = 3
	EnctypeDES3CBCSHA1     Enctype = 16
	EnctypeAES128SHA1      Enctype = 17
	EnctypeAES256SHA1      Enctype = 18
	EnctypeAES128SHA256    Enctype = 19
	EnctypeAES256SHA384    Enctype = 20
	EnctypeRC4HMAC         Enctype = 23
	EnctypeRC4HMACExp      Enctype = 24
	EnctypeCamellia128CMAC Enctype = 25
	EnctypeCamellia256CMAC Enctype = 26
)

var enctypeNames = map[Enctype]string{
	EnctypeDESCBCCRC:       "des-cbc-crc",
	EnctypeDESCBCMD5:       "des-cbc-md5",
	EnctypeDES3CBCSHA1:     "des3-cbc-sha1",
	EnctypeAES128SHA1:      "aes128-cts-hmac-sha1-96",
	EnctypeAES256SHA1:      "aes256-cts-hmac-sha1-96",
	EnctypeAES128SHA256:    "aes128-cts-hmac-sha256-128",
	EnctypeAES256SHA384:    "aes256-cts-hmac-sha384-192",
	EnctypeRC4HMAC:         "arcfour-hmac",
	EnctypeRC4HMACExp:      "arcfour-hmac-exp",
	EnctypeCamellia128CMAC: "camellia128-cts-cmac",
	EnctypeCamellia256CMAC: "camellia256-cts-cmac",
}

// String returns the MIT name of the enctype, or its number.
func (e Enctype) String() string {
	if n, ok := enctypeNames[e]; ok {
		return n
	}
	return "enctype-" + strconv.Itoa(int(e))
}

// UsesRFC4121Tokens reports whether a krb5 GSS context keyed with e signs and
// seals with RFC 4121 (CFX) tokens: the "new enctype" test of the mechListMIC
// policy. DES, 3DES and RC4 use the older RFC 1964/4757 token formats.
func (e Enctype) UsesRFC4121Tokens() bool {
	switch e {
	case EnctypeAES128SHA1, EnctypeAES256SHA1, EnctypeAES128SHA256,
		EnctypeAES256SHA384, EnctypeCamellia128CMAC, EnctypeCamellia256CMAC:
		return true
	}
	return false
}
