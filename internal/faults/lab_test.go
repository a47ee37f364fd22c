//go:build !windows && cgo && !heimdal

// The suite changes krb5.conf and KRB5CCNAME per test in process, which MIT
// reads for every GSS call (a krb5_context per call). Heimdal keeps a
// krb5_context per thread that reads them once, so under -tags heimdal the
// suite is not built; the Heimdal build's fault behaviour that gssapi_unix
// covers (KDC down, unknown service, missing ccache) is tested there in
// child processes.

package faults_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

// hangGuard bounds every wait of the suite; it is never what a test
// measures.
const hangGuard = 90 * time.Second

// labRealm starts a realm of the test's own (its KDC can be stopped, its
// keys rotated) and points the process at it.
func labRealm(t *testing.T) (*testrealm.Realm, gss.Provider) {
	t.Helper()
	r := testrealm.Start(t)
	r.Setenv(t)
	p := lab.Provider(t)
	return r, p
}

func importName(t *testing.T, p gss.Provider, name string) gss.Name {
	t.Helper()
	n, err := p.ImportName(name, gss.GuessNameType(name))
	require.NoError(t, err)
	t.Cleanup(func() { n.Release() })
	return n
}

// pair is one in-process Go-engine exchange.
type pair struct {
	cli *negotiate.Client
	srv *negotiate.Server
}

func newPair(t *testing.T, p gss.Provider, service string) *pair {
	t.Helper()
	cli, err := negotiate.NewClient(importName(t, p, service), negotiate.Config{Provider: p})
	require.NoError(t, err)
	srv, err := negotiate.NewServer(negotiate.Config{Provider: p})
	require.NoError(t, err)
	return &pair{cli, srv}
}

// close closes both sides (not after an abandoned step: see
// gss.ContinueContext).
func (x *pair) close() { x.cli.Close(); x.srv.Close() }

// run drives the exchange, every client step bounded by ctx; it returns
// the client's and the server's error.
func (x *pair) run(ctx context.Context) (cerr, serr error) {
	tok, err := gss.ContinueContext(ctx, x.cli, nil)
	for i := 0; i < 10; i++ {
		if err != nil {
			return err, nil
		}
		if len(tok) > 0 && x.srv.ContinueNeeded() {
			if tok, err = x.srv.Continue(tok); err != nil {
				// The server's reject token lets the client explain.
				if len(tok) > 0 && x.cli.ContinueNeeded() {
					_, cerr = gss.ContinueContext(ctx, x.cli, tok)
				}
				return cerr, err
			}
		}
		if !x.cli.ContinueNeeded() {
			return nil, nil
		}
		tok, err = gss.ContinueContext(ctx, x.cli, tok)
	}
	return errors.New("faults: exchange did not finish in 10 legs"), nil
}

// handshake runs a complete exchange towards service and closes it.
func handshake(t *testing.T, p gss.Provider, service string) (cerr, serr error) {
	t.Helper()
	x := newPair(t, p, service)
	defer x.close()
	return x.run(context.Background())
}

// settle waits (hang guard only) until the goroutine count is back to
// base, and fails with the stacks if it is not.
func settle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, want ≤ %d:\n%s", runtime.NumGoroutine(), base, bytes.TrimSpace(buf))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// timed runs f and logs how long it took, for docs/reliability.md.
func timed(t *testing.T, what string, f func()) time.Duration {
	t.Helper()
	start := time.Now()
	f()
	d := time.Since(start)
	t.Logf("MEASURED %s: %v", what, d.Round(time.Millisecond))
	return d
}

// nativeTimeouts enables the slow measurement of the library's own KDC
// timeouts.
var nativeTimeouts = os.Getenv("GSSNEGO_FAULTS_NATIVE") == "1"

// errorsIsAny reports whether err matches one of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
