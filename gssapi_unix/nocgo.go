//go:build !windows && !cgo

package gssapi_unix

import "github.com/gssnego/gssnego/gss"

// Without cgo this package has no code: the binding to libgssapi_krb5 (or
// Heimdal's libgssapi) is C. Saying so makes gss.Default's error name what
// is missing, not an import the program already has.
func init() {
	gss.RegisterUnavailable("this program was built without cgo (CGO_ENABLED=0), and the MIT/Heimdal backend " +
		"(github.com/gssnego/gssnego/gssapi_unix) is a cgo binding: build with CGO_ENABLED=1, a C compiler " +
		"and the Kerberos development files (libkrb5-dev for MIT; heimdal-dev and -tags heimdal for Heimdal)")
}
