//go:build linux

package capture

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/pcaprec"
	"github.com/gssnego/gssnego/internal/samplerelay"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

// The binary's realm: the sample client and server run in this process,
// and the GSS libraries read their environment once.
func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// TestAuditLiveMITMSample records, with tcpdump, the sample client ↔
// internal/mitm relay ↔ sample server on loopback, once straight and once
// per strip attack of the downgrade bench, with the MIC exchange due (no
// optimistic token, mechTypes [ms-krb5, krb5, ntlmssp]). Every connection
// is an exchange; the audit must flag exactly the segments on which the
// attacker removed a due mechListMIC, as refused (the peer behind them
// refused the token), and nothing else.
func TestAuditLiveMITMSample(t *testing.T) {
	testrealm.Shared(t)
	p := lab.Provider(t)
	// One address of 127/8 for this test: the capture filter then holds
	// its traffic and nothing else this machine sends over lo.
	host := fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
	l, err := net.Listen("tcp", host+":0")
	require.NoError(t, err)
	served := make(chan error, 16)
	srv := &sspisample.Server{Config: sspisample.Config{Provider: p}, Done: func(_ net.Addr, _ *sspisample.Result, err error) { served <- err }}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Serve(l) }()
	t.Cleanup(func() { l.Close(); <-stopped })
	rec := pcaprec.Start(t, t.TempDir(), "tcp and host "+host)

	cfg := sspisample.Config{Provider: p, Mechs: negotiate.DefaultMechs(p), NoOptimisticToken: true}
	// Which segment the attack strips a MIC on, so which exchange the
	// audit must flag: the acceptor's MIC is removed on its way to the
	// client (client ↔ relay), the initiator's on its way to the server
	// (relay ↔ server); flip-negstate-completed also drops the acceptor's
	// MIC, but from the first reply, which carries none: nothing stripped.
	cases := []struct {
		attack              string
		flagClient, flagSrv bool
	}{
		{"none", false, false},
		{"strip-acceptor-mic", true, false},
		{"strip-initiator-mic", false, true},
	}
	type seg struct{ relay, attack string }
	var relays []seg
	for _, tc := range cases {
		a := mitm.None
		for _, x := range mitm.Attacks() {
			if x.Name == tc.attack {
				a = x
			}
		}
		require.Equal(t, tc.attack, a.Name)
		relay, err := samplerelay.Start(host, l.Addr().String(), a)
		require.NoError(t, err)
		relays = append(relays, seg{relay.Addr().String(), tc.attack})
		conn, err := net.DialTimeout("tcp", relay.Addr().String(), 10*time.Second)
		require.NoError(t, err)
		_, cerr := sspisample.Client(conn, "host@localhost", cfg)
		var serr error
		select {
		case serr = <-served:
		case <-time.After(30 * time.Second): // hang guard
			t.Fatalf("%s: the server did not finish", tc.attack)
		}
		relay.Close()
		if tc.attack == "none" {
			require.NoError(t, cerr)
			require.NoError(t, serr)
		} else {
			require.True(t, mitm.MICFailure(cerr) || mitm.MICFailure(serr), "%s: client %v, server %v", tc.attack, cerr, serr)
		}
		t.Logf("%s: client %v; server %v", tc.attack, cerr, serr)
	}
	require.NoError(t, rec.Sync(host))
	path := rec.Stop()
	if !strings.Contains(rec.Stderr(), "\n0 packets dropped by kernel") {
		t.Fatalf("tcpdump lost packets, the capture has holes: %s", rec.Stderr())
	}
	if k := os.Getenv("GSSNEGO_KEEP_CAPTURE"); k != "" {
		b, _ := os.ReadFile(path)
		os.WriteFile(k+".mitm", b, 0o644)
	}
	res := auditFile(t, path)
	assert.Empty(t, res.Warnings)
	for _, e := range res.Exchanges {
		t.Logf("%s -> %s %s tokens=%d verdict=%s aborted=%v refused=%q", e.Client, e.Server, e.Carrier, len(e.Tokens), e.Verdict().Result, e.Aborted, e.Refused)
	}
	// Two connections per case, in order: client ↔ relay, then relay ↔ server.
	require.Len(t, res.Exchanges, 2*len(cases))
	for i, tc := range cases {
		front, back := res.Exchanges[2*i], res.Exchanges[2*i+1]
		assert.Equal(t, relays[i].relay, front.Server.String(), "%s: client ↔ relay", tc.attack)
		assert.Equal(t, l.Addr().String(), back.Server.String(), "%s: relay ↔ server", tc.attack)
		for _, x := range []struct {
			e    *Exchange
			flag bool
			name string
		}{{front, tc.flagClient, "client ↔ relay"}, {back, tc.flagSrv, "relay ↔ server"}} {
			v := x.e.Verdict()
			assert.Equal(t, "sspi-sample", x.e.Carrier)
			if tc.attack == "none" {
				assert.Equal(t, negotiate.ResultOK, v.Result, "%s: %s", x.name, v.Reason)
			}
			assert.Equal(t, x.flag, x.e.Refused == RefusedMICMissing, "%s %s: refused %q", tc.attack, x.name, x.e.Refused)
			assert.False(t, v.Result == negotiate.ResultMICMissing || v.Result == negotiate.ResultDowngradeWithoutMIC,
				"%s %s: no peer went ahead without the MIC, yet verdict %s", tc.attack, x.name, v.Result)
		}
	}
}
