//go:build !windows && cgo && !heimdal

package gssapi_unix

// The memory keytab (keytab.go, keytab_shim.c) calls libkrb5 itself.

// #cgo pkg-config: mit-krb5
import "C"
