//go:build !windows && cgo

package platform

// The MIT/Heimdal backend registers itself in its init. The pure-Go
// provider stays one call away: kerberos.NewProvider().
import _ "github.com/gssnego/gssnego/gssapi_unix"
