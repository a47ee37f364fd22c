//go:build !windows

package negotiate_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	testlab "github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// lab returns the binary's shared realm (the environment points at it) and
// the platform provider.
func lab(t *testing.T) (*testrealm.Realm, gss.Provider) {
	t.Helper()
	r := testrealm.Shared(t)
	return r, testlab.Provider(t)
}

// inEtypeProcess runs a subtest whose session key must be etype e. For RC4
// that needs another krb5.conf (PreferEnctypes), which Heimdal only reads
// at start, so the case runs in a child process; it reports whether the
// current process should run the body.
func inEtypeProcess(t *testing.T, r *testrealm.Realm, e gss.Enctype, key string) bool {
	t.Helper()
	if c := testrealm.ChildCase(); c != "" {
		return c == key
	}
	if e != gss.EnctypeRC4HMAC {
		return true
	}
	t.Log(testrealm.RunChild(t, key, "KRB5_CONFIG="+r.PreferEnctypes(t, e)))
	return false
}

func target(t *testing.T, p gss.Provider, service string) gss.Name {
	t.Helper()
	n, err := p.ImportName(service, gss.GuessNameType(service))
	require.NoError(t, err)
	t.Cleanup(func() { n.Release() })
	return n
}

// exchange drives client and server to completion and returns the tokens
// in order, plus each side's error.
func exchange(client, server mitm.Peer) (tokens [][]byte, cerr, serr error) {
	r := mitm.Run(client, server, mitm.None)
	return r.Tokens, r.InitErr, r.AccErr
}

func parse(t *testing.T, b []byte) *negotiate.Token {
	t.Helper()
	tok, err := negotiate.Parse(b)
	require.NoError(t, err)
	return tok
}

// established checks an engine context finished, and that the inspector,
// fed the same tokens and the engine's MIC checks, agrees: verdict ok.
func established(t *testing.T, ctx gss.SecContext) {
	t.Helper()
	assert.False(t, ctx.ContinueNeeded(), "context should be established")
	info, err := ctx.Inquire()
	require.NoError(t, err)
	assert.True(t, info.Established)
	if e, ok := ctx.(negotiate.Recorder); ok {
		v := e.Record().Transcript.Verdict
		assert.Equal(t, negotiate.ResultOK, v.Result, "inspector verdict: %s", v.Reason)
	}
}

// perMessage proves both sides share keys and sequence numbers after the
// MIC exchange consumed the first ones.
func perMessage(t *testing.T, a, b gss.SecContext) {
	t.Helper()
	mic, err := a.GetMIC([]byte("hello"))
	require.NoError(t, err)
	require.NoError(t, b.VerifyMIC([]byte("hello"), mic))
	w, conf, err := b.Wrap([]byte("sealed reply"), true)
	require.NoError(t, err)
	assert.True(t, conf)
	plain, _, err := a.Unwrap(w)
	require.NoError(t, err)
	assert.Equal(t, "sealed reply", string(plain))
}

// TestSeedScenario is the seed scenario of the engine issue: the
// initiator offers [MS krb5, krb5, NTLM] without an optimistic token, the
// acceptor answers supportedMech MS krb5 / accept-incomplete, the AP-REQ
// follows, the acceptor returns AP-REP + mechListMIC, the initiator its
// MIC with accept-completed. With AES both MICs are required (Windows
// profile); with a genuine RC4 key none is; under strict always.
func TestSeedScenario(t *testing.T) {
	cases := []struct {
		etype   gss.Enctype
		profile negotiate.Profile
		wantMIC bool
	}{
		{gss.EnctypeAES128SHA1, negotiate.ProfileWindows, true},
		{gss.EnctypeAES256SHA1, negotiate.ProfileWindows, true},
		{gss.EnctypeAES256SHA384, negotiate.ProfileWindows, true},
		{gss.EnctypeRC4HMAC, negotiate.ProfileWindows, false},
		{gss.EnctypeRC4HMAC, negotiate.ProfileStrict, true},
		{gss.EnctypeAES256SHA1, negotiate.ProfileRFC4178, false},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%v", tc.etype, tc.profile), func(t *testing.T) {
			r, p := lab(t)
			// RC4 runs in a child with PreferEnctypes: otherwise the
			// acceptor's RFC 4537 subkey is AES (docs/lab.md).
			if !inEtypeProcess(t, r, tc.etype, t.Name()) {
				return
			}
			svc := r.EtypeService(tc.etype)
			mechs := []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP}
			client, err := negotiate.NewClient(target(t, p, svc+"@"+r.Name), negotiate.Config{
				Provider: p, Mechs: mechs, Profile: tc.profile, NoOptimisticToken: true,
			})
			require.NoError(t, err)
			defer client.Close()
			server := newServer(t, negotiate.Config{Provider: p, Profile: tc.profile})

			tokens := handshake(t, client, server)
			established(t, client)
			established(t, server)

			t1 := parse(t, tokens[0])
			assert.Equal(t, negotiate.KindInit, t1.Kind)
			assert.Equal(t, mechs, t1.MechTypes)
			assert.Nil(t, t1.MechToken, "no optimistic token")
			t2 := parse(t, tokens[1])
			assert.Equal(t, negotiate.NegStateAcceptIncomplete, t2.NegState)
			assert.Equal(t, gss.MechMSKRB5, t2.SupportedMech, "echo of the listed OID")
			assert.Nil(t, t2.ResponseToken)
			t3 := parse(t, tokens[2])
			require.NotNil(t, t3.ResponseToken, "AP-REQ")
			t4 := parse(t, tokens[3])
			require.NotNil(t, t4.ResponseToken, "AP-REP")
			if tc.wantMIC {
				require.Len(t, tokens, 5)
				assert.Equal(t, negotiate.NegStateAcceptIncomplete, t4.NegState)
				require.NotNil(t, t4.MechListMIC)
				t5 := parse(t, tokens[4])
				assert.Equal(t, negotiate.NegStateAcceptCompleted, t5.NegState)
				require.NotNil(t, t5.MechListMIC)
				if tc.etype.UsesRFC4121Tokens() {
					assert.Equal(t, []byte{4, 4}, t4.MechListMIC[:2], "RFC 4121 MIC")
				}
			} else {
				require.Len(t, tokens, 4)
				assert.Equal(t, negotiate.NegStateAcceptCompleted, t4.NegState)
				assert.Nil(t, t4.MechListMIC)
			}
			for _, side := range []negotiate.Recorder{client, server} {
				rec := side.Record()
				assert.Equal(t, tc.wantMIC, rec.MICSent)
				assert.Equal(t, tc.wantMIC, rec.MICReceived)
				// MIT's acceptor upgrades every AES ticket to an aes256-sha1
				// subkey (RFC 4537), so that is the per-message key.
				want := tc.etype
				if want.UsesRFC4121Tokens() {
					want = gss.EnctypeAES256SHA1
				}
				assert.Equal(t, want, rec.Enctype, "etype evidence from %s", rec.EnctypeSource)
			}
			perMessage(t, client, server)
		})
	}
}

// TestOptimisticTwoLeg: the everyday case; Kerberos first and taken
// with the optimistic token, one round, no MIC under the Windows profile.
func TestOptimisticTwoLeg(t *testing.T) {
	forEachEtype(t, func(t *testing.T, r *testrealm.Realm, p gss.Provider, e gss.Enctype) {
		client := newClient(t, target(t, p, r.EtypeService(e)+"@"+r.Name), negotiate.Config{Provider: p})
		server := newServer(t, negotiate.Config{Provider: p})
		tokens := handshake(t, client, server)
		require.Len(t, tokens, 2)
		established(t, client)
		established(t, server)
		t2 := parse(t, tokens[1])
		assert.Equal(t, negotiate.NegStateAcceptCompleted, t2.NegState)
		assert.Nil(t, t2.MechListMIC)
		perMessage(t, client, server)
	})
}

// TestDowngradeRequestMIC: the initiator prefers NTLM, the acceptor only
// takes Kerberos: request-mic, and MICs both ways (MIT's 5-token case).
func TestDowngradeRequestMIC(t *testing.T) {
	r, p := lab(t)
	client, err := negotiate.NewClient(target(t, p, testrealm.ServiceHTTP+"@"+r.Name), negotiate.Config{
		Provider: p, Mechs: []gss.OID{gss.MechNTLMSSP, gss.MechKRB5}, NoOptimisticToken: true,
	})
	require.NoError(t, err)
	defer client.Close()
	server := newServer(t, negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}})
	tokens := handshake(t, client, server)
	require.Len(t, tokens, 5)
	assert.Equal(t, negotiate.NegStateRequestMIC, parse(t, tokens[1]).NegState)
	assert.Equal(t, negotiate.RuleSelectedNotFirst, client.Record().MICRule)
	assert.True(t, server.Record().MICReceived)
	assert.True(t, client.Record().MICReceived)
	perMessage(t, client, server)
}

func newClient(t *testing.T, target gss.Name, cfg negotiate.Config) *negotiate.Client {
	t.Helper()
	c, err := negotiate.NewClient(target, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func newServer(t *testing.T, cfg negotiate.Config) *negotiate.Server {
	t.Helper()
	s, err := negotiate.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// handshake runs an exchange that must succeed on both sides.
func handshake(t *testing.T, client, server mitm.Peer) [][]byte {
	t.Helper()
	tokens, cerr, serr := exchange(client, server)
	require.NoError(t, cerr, "initiator")
	require.NoError(t, serr, "acceptor")
	return tokens
}

// forEachEtype runs f as a subtest per lab etype, RC4 in a child process.
func forEachEtype(t *testing.T, f func(t *testing.T, r *testrealm.Realm, p gss.Provider, e gss.Enctype)) {
	for _, e := range testrealm.LabEtypes {
		t.Run(e.String(), func(t *testing.T) {
			r, p := lab(t)
			if inEtypeProcess(t, r, e, t.Name()) {
				f(t, r, p, e)
			}
		})
	}
}

// needNativeSPNEGO skips a test of the provider's own SPNEGO when the
// provider has none (testlab.NeedMech).
func needNativeSPNEGO(t *testing.T) {
	t.Helper()
	_, p := lab(t)
	testlab.NeedMech(t, p, gss.MechSPNEGO)
}
