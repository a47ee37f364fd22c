//go:build windows

package platform

// The SSPI backend (sspi_windows) will be imported here.
