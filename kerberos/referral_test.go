package kerberos

import "testing"

func TestFallbackRealm(t *testing.T) {
	for host, want := range map[string]string{
		"web.west.forest.test":  "WEST.FOREST.TEST",
		"web.west.forest.test.": "WEST.FOREST.TEST",
		"localhost":             "",
		"127.0.0.1":             "",
		"[::1]":                 "",
		"host.":                 "",
	} {
		if got := fallbackRealm(host); got != want {
			t.Errorf("fallbackRealm(%q) = %q, want %q", host, got, want)
		}
	}
}
