// Package platform links the GSS backend for the build's operating system
// and makes it gss.Default(): gssapi_unix (MIT, or Heimdal with -tags
// heimdal) on Unix built with cgo, the pure-Go Kerberos provider (package
// kerberos) on Unix built with CGO_ENABLED=0, sspi_windows on Windows. A
// cgo build can still choose the pure-Go one: kerberos.NewProvider().
//
//	import "github.com/gssnego/gssnego/platform"
//	p, err := platform.Provider()
package platform

import "github.com/gssnego/gssnego/gss"

// Provider returns the build's backend, gss.Default().
func Provider() (gss.Provider, error) { return gss.Default() }
