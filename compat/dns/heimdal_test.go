//go:build heimdal

package dnsgss_test

const heimdal = true
