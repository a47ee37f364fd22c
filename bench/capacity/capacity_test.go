//go:build linux

package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/platform"
)

// childEnv makes the test binary a server child (serve) instead of
// running tests: startChild re-executes it with -serve, as the command
// re-executes itself, so the test needs no separate build.
const childEnv = "GSSNEGO_CAPACITY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		fs := flag.NewFlagSet("serve", flag.ExitOnError)
		kind := fs.String("serve", "", "")
		keytab := fs.String("keytab", "", "")
		profile := fs.String("cpuprofile", "", "")
		fs.Parse(os.Args[1:])
		if err := serve(*kind, *keytab, *profile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCapacityHarness runs the harness end to end with a tiny load against
// our middleware (MIT with the keytab file, MIT with the keytab in memory
// with and without MIT's replay cache, the pure-Go provider), gokrb5's
// SPNEGO handler and Apache + mod_auth_gssapi: every precomputed token gets
// 200, and a token sent a second time gets 401, which proves each server's
// replay cache is on (the benchmark's premise: a token is worth one
// request); gssnego-memkt-norc's MIT cache is off, gssnego's own refuses
// the replay. No timing is asserted.
func TestCapacityHarness(t *testing.T) {
	realm := testrealm.Start(t)
	realm.Setenv(t)
	bin, err := os.Executable()
	require.NoError(t, err)
	t.Setenv(childEnv, "1")
	names := strings.Split(defaultServers, ",")
	servers := startServers(t, bin, realm, 8, "", names)
	if servers == nil {
		t.Skip("capacity: a server is missing")
	}
	require.Len(t, servers, len(names))
	p, err := platform.Provider()
	require.NoError(t, err)
	const n = 50
	pool, err := makeTokens(p, "HTTP@localhost", n)
	require.NoError(t, err)
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			r := drive(s.addr, s.host, pool.headers, 16)
			if r.errs > 0 && s.logs != nil {
				t.Logf("%s error log:\n%s", s.name, s.logs())
			}
			assert.Equal(t, n, r.ok, "200 answers (first error: %s)", r.firstErr)
			assert.Zero(t, r.errs)
			assert.Equal(t, n, r.reused+r.conns, "every request on a new or a reused connection")
			assert.Positive(t, cpuTime(s.pgid), "the server's CPU time, from /proc")

			c := &client{addr: s.addr, host: s.host}
			defer c.close()
			var one run
			status, err := c.get(pool.headers[n/2], &one)
			require.NoError(t, err)
			if replayProtected(s.name) {
				assert.Equal(t, http.StatusUnauthorized, status, "a replayed AP-REQ must be refused")
			} else {
				// MIT's replay cache is off ("none:"): the documented
				// stand-in for gssnego's own in-memory replay cache.
				assert.Equal(t, http.StatusOK, status, "replay cache off, replay accepted")
			}
		})
	}
}
