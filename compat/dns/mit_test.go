//go:build !heimdal

package dnsgss_test

// heimdal is set by the Heimdal build (-tags heimdal).
const heimdal = false
