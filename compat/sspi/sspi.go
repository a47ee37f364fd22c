package sspi

import (
	"time"

	"github.com/gssnego/gssnego/gss"
)

// Security package names, as SSPI spells them.
const (
	NTLMSP_NAME             = "NTLM"
	MICROSOFT_KERBEROS_NAME = "Kerberos"
	NEGOSSP_NAME            = "Negotiate"
)

// Credential uses (AcquireCredentialsHandle fCredentialUse).
const (
	SECPKG_CRED_INBOUND  = 1
	SECPKG_CRED_OUTBOUND = 2
	SECPKG_CRED_BOTH     = SECPKG_CRED_OUTBOUND | SECPKG_CRED_INBOUND
)

// Context requirements for NewClientContextWithFlags (ISC_REQ_*) and the
// acceptor (ASC_REQ_*), with SSPI's values. The ISC_RET_*/ASC_RET_* bits
// that VerifyFlags compares against have the same values.
const (
	ISC_REQ_DELEGATE               = 1
	ISC_REQ_MUTUAL_AUTH            = 2
	ISC_REQ_REPLAY_DETECT          = 4
	ISC_REQ_SEQUENCE_DETECT        = 8
	ISC_REQ_CONFIDENTIALITY        = 16
	ISC_REQ_USE_SESSION_KEY        = 32
	ISC_REQ_PROMPT_FOR_CREDS       = 64
	ISC_REQ_USE_SUPPLIED_CREDS     = 128
	ISC_REQ_ALLOCATE_MEMORY        = 256
	ISC_REQ_USE_DCE_STYLE          = 512
	ISC_REQ_DATAGRAM               = 1024
	ISC_REQ_CONNECTION             = 2048
	ISC_REQ_EXTENDED_ERROR         = 16384
	ISC_REQ_STREAM                 = 32768
	ISC_REQ_INTEGRITY              = 65536
	ISC_REQ_IDENTIFY               = 131072
	ISC_REQ_MANUAL_CRED_VALIDATION = 524288
	ISC_REQ_HTTP                   = 268435456

	ASC_REQ_DELEGATE        = 1
	ASC_REQ_MUTUAL_AUTH     = 2
	ASC_REQ_REPLAY_DETECT   = 4
	ASC_REQ_SEQUENCE_DETECT = 8
	ASC_REQ_CONFIDENTIALITY = 16
	ASC_REQ_USE_SESSION_KEY = 32
	ASC_REQ_ALLOCATE_MEMORY = 256
	ASC_REQ_USE_DCE_STYLE   = 512
	ASC_REQ_DATAGRAM        = 1024
	ASC_REQ_CONNECTION      = 2048
	ASC_REQ_EXTENDED_ERROR  = 32768
	ASC_REQ_STREAM          = 65536
	ASC_REQ_INTEGRITY       = 131072
)

// SECQOP_WRAP_NO_ENCRYPT is the EncryptMessage quality of protection that
// signs without encrypting; DecryptMessage returns it for such messages.
const SECQOP_WRAP_NO_ENCRYPT = 0x80000001

// PackageInfo describes a security package (SecPkgInfo).
type PackageInfo struct {
	Capabilities uint32
	Version      uint16
	RPCID        uint16
	MaxToken     uint32
	Name         string
	Comment      string
}

// Credentials are acquired credentials, the counterpart of an SSPI
// credential handle. They wrap a gssnego credential; nil there means the
// default credentials of each mechanism (the ccache and keytab named by
// KRB5CCNAME and KRB5_KTNAME on Unix, the logon session on Windows).
type Credentials struct {
	cred     gss.Credential
	mechs    []gss.OID
	expiry   time.Time
	released bool
}

// NewCredentials wraps cred (nil: the defaults), limited to mechs (nil:
// every mechanism the provider offers), expiring at expiry (zero: unknown).
// The negotiate package makes them; Release releases cred.
func NewCredentials(cred gss.Credential, mechs []gss.OID, expiry time.Time) *Credentials {
	return &Credentials{cred: cred, mechs: mechs, expiry: expiry}
}

// Credential returns the wrapped gssnego credential, nil for the defaults.
func (c *Credentials) Credential() gss.Credential { return c.cred }

// Released reports whether Release was called: the credentials must not
// be used any more.
func (c *Credentials) Released() bool { return c.released }

// Mechs returns the mechanisms the credentials are limited to, nil for all.
func (c *Credentials) Mechs() []gss.OID { return c.mechs }

// Release frees the credentials. It is safe to call more than once, and on nil.
func (c *Credentials) Release() error {
	if c == nil || c.released {
		return nil
	}
	c.released = true
	if c.cred == nil {
		return nil
	}
	err := c.cred.Release()
	if err != nil {
		return &Error{Op: "Credentials.Release", Status: StatusOf(err), Err: err}
	}
	return nil
}

// Expiry returns when the credentials expire (the TGT's end time on Unix),
// the zero time when unknown.
func (c *Credentials) Expiry() time.Time { return c.expiry }
