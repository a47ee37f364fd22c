//go:build heimdal

package ldapgss

// heimdal is true in builds against Heimdal (-tags heimdal).
const heimdal = true
