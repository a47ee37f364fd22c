//go:build cgo && !windows && !heimdal

package kerberos_test

import (
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
)

func init() { nativeProvider = func() gss.Provider { return gssapi_unix.New() } }
