//go:build !windows && cgo && heimdal

package gssapi_unix

// #cgo pkg-config: heimdal-gssapi heimdal-krb5
// #cgo CFLAGS: -DGSSNEGO_HEIMDAL
import "C"

// implementation names the library this build links.
const implementation = "Heimdal"

// sessionKeySource says how Inquire learns the per-message key's enctype.
const sessionKeySource = "GSS_KRB5_GET_SUBKEY_X"

// credStoreOp names the call that acquires credentials from an explicit
// ccache, keytab, client keytab or replay cache.
const credStoreOp = "gss_krb5_import_cred"
