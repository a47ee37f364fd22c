//go:build !heimdal

package pgxgss_test

// heimdal is true in builds against Heimdal (-tags heimdal), whose errors
// for a missing or expired ccache differ from MIT's (docs/compat.md).
const heimdal = false
