package ldapgss

import "testing"

// newClient is NewClient for tests: a missing provider fails the test.
func newClient(tb testing.TB, opts ...Option) *Client {
	tb.Helper()
	c, err := NewClient(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
