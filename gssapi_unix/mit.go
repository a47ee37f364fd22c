//go:build !windows && cgo && !heimdal

package gssapi_unix

// #cgo pkg-config: krb5-gssapi
import "C"

import "github.com/gssnego/gssnego/gss"

// implementation names the library this build links.
const implementation = "MIT"

// sessionKeySource says how Inquire learns the per-message key's enctype.
const sessionKeySource = "GSS_C_INQ_SSPI_SESSION_KEY"

// credStoreOp names the call that acquires credentials from an explicit
// ccache, keytab, client keytab or replay cache.
const credStoreOp = "gss_acquire_cred_from"

// checkInitReply screens an initiator's reply token before the library sees
// it; MIT needs no screening (see heimdal.go).
func checkInitReply(mech gss.OID, flags gss.Flags, in []byte) error { return nil }

// lockThread is a no-op for MIT, whose status text does not depend on the
// thread (see heimdal.go).
func lockThread() func() { return noUnlock }

func noUnlock() {}

// pacSource and pacVerifier say where InquireAuthz's PAC comes from and who
// checked its server signature (authz.go).
const (
	pacSource   = "MIT gss_get_name_attribute(urn:mspac:)"
	pacVerifier = "server signature checked in gss_accept_sec_context, the attribute's authenticated bit"
)
