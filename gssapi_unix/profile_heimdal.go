//go:build !windows && cgo && heimdal

package gssapi_unix

// holdProfile is a no-op on Heimdal, which keeps a krb5 context (and its
// parsed configuration) per thread already (see profile_mit.go).
func holdProfile() {}
