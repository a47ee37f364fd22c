// Package gssapi_unix is gssnego's GSS backend for Unix: a cgo binding of
// the RFC 2744 C API that implements gss.Provider. (Documentation to follow.)
package gssapi_unix
