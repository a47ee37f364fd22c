//go:build !windows

package sspisample

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

func TestMain(m *testing.M) {
	rc := testrealm.Main(m)
	if dir, err := binDir(); err == nil {
		os.RemoveAll(dir)
	}
	os.Exit(rc)
}

// served is one connection as the server saw it.
type served struct {
	res *Result
	err error
}

// startServer serves cfg on a loopback port until the test ends.
func startServer(t *testing.T, cfg Config) (addr string, done <-chan served) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ch := make(chan served, 16)
	srv := &Server{Config: cfg, Done: func(_ net.Addr, res *Result, err error) { ch <- served{res, err} }}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Serve(l) }()
	t.Cleanup(func() {
		l.Close()
		require.NoError(t, <-stopped)
	})
	return l.Addr().String(), ch
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	return c
}

func nextServed(t *testing.T, ch <-chan served) served {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not finish the connection")
		return served{}
	}
}

// loopbackCases are the configurations run client ↔ server in one process.
var loopbackCases = []struct {
	name        string
	cfg         Config
	micExchange bool // MICs both ways
}{
	{"NegotiateGoOptimistic", Config{}, false},
	{"NegotiateGoNoOptimistic", Config{NoOptimisticToken: true, Mechs: []gss.OID{gss.MechMSKRB5, gss.MechKRB5}}, true},
	{"NegotiateGoStrict", Config{Profile: negotiate.ProfileStrict}, true},
	{"NegotiateNative", Config{Engine: EngineNative}, false},
	{"Kerberos", Config{Package: PackageKerberos}, false},
}

func TestLoopback(t *testing.T) {
	p := lab.Provider(t)
	testrealm.Shared(t)
	for _, tc := range loopbackCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.Engine == EngineNative {
				lab.NeedMech(t, p, gss.MechSPNEGO)
			}
			addr, done := startServer(t, tc.cfg)
			res, err := Client(dial(t, addr), "host@localhost", tc.cfg)
			require.NoError(t, err)
			srv := nextServed(t, done)
			require.NoError(t, srv.err)
			require.Equal(t, Message, string(res.Message))
			require.True(t, res.Sealed)
			require.Equal(t, len(Message), res.CiphertextLen, "ciphertext is as long as the plaintext (EncryptMessage layout)")
			require.Equal(t, res.TrailerLen, srv.res.TrailerLen)
			require.NotNil(t, res.Info)
			require.NotNil(t, srv.res.Info)
			for _, r := range []*Result{res, srv.res} {
				require.NotNil(t, r.Transcript)
				if tc.cfg.Package == PackageKerberos {
					require.Equal(t, negotiate.ResultNotSPNEGO, r.Transcript.Verdict.Result)
					continue
				}
				v := r.Transcript.Verdict
				require.Equal(t, negotiate.ResultOK, v.Result, v.Reason)
				require.Equal(t, tc.micExchange, v.Initiator.Present && v.Acceptor.Present, "MIC exchange")
				if tc.micExchange && r.Record != nil {
					require.True(t, r.Record.MICSent && r.Record.MICReceived)
				}
			}
		})
	}
}
