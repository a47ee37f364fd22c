//go:build !windows

package platform

// The MIT/Heimdal backend registers itself in its init. Without cgo it is
// an empty package and Provider returns gss.ErrNoProvider.
import _ "github.com/gssnego/gssnego/gssapi_unix"
