//go:build !heimdal && !windows

package main

// buildTags makes the Linux peer use the same GSS library as the test.
const buildTags = ""
