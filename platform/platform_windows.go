//go:build windows

package platform

// The SSPI backend registers itself as gss.Default() when imported.
import _ "github.com/gssnego/gssnego/sspi_windows"
