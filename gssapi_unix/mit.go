//go:build !windows && cgo && !heimdal

package gssapi_unix

// #cgo pkg-config: krb5-gssapi
import "C"

// implementation names the library this build links.
const implementation = "MIT"

// sessionKeySource says how Inquire learns the per-message key's enctype.
const sessionKeySource = "GSS_C_INQ_SSPI_SESSION_KEY"

// credStoreOp names the call that acquires credentials from an explicit
// ccache, keytab, client keytab or replay cache.
const credStoreOp = "gss_acquire_cred_from"
