//go:build linux

package samba

import (
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/negotiate"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

const (
	user     = "bob"
	password = "Bob-Pa55word-1"
	svcHost  = "svc.samdom.test"
)

var (
	dc      *sambadc.DC // set by needDC
	setup   sync.Once
	keytab  string
	dcReady bool
)

func TestMain(m *testing.M) { os.Exit(sambadc.Main(m)) }

// lab returns the DC, with a user, an AES-only HTTP service and the
// process environment pointing at them (once, before any GSS call).
func needDC(t *testing.T) (*sambadc.DC, gss.Provider) {
	t.Helper()
	dc = sambadc.Shared(t)
	setup.Do(func() {
		dc.AddUser(t, user, password)
		keytab = dc.AddService(t, "HTTP/"+svcHost, true)
		dc.Kinit(t, user, password, "")
		lab.SetProcessEnv(append(dc.Env(), "KRB5_KTNAME=FILE:"+keytab))
		dcReady = true
	})
	require.True(t, dcReady, "DC setup failed in an earlier test")
	p := lab.Provider(t)
	return dc, p
}

// sambaPeer adapts ntlm_auth's helper protocol to mitm.Peer.
type sambaPeer struct {
	h      *sambadc.Helper
	done   bool
	result string
}

func (s *sambaPeer) Continue(in []byte) ([]byte, error) {
	out, done, result, err := s.h.Step(in)
	s.done, s.result = done, result
	return out, err
}

func (s *sambaPeer) ContinueNeeded() bool { return !s.done }

func newClient(t *testing.T, p gss.Provider, cfg negotiate.Config) *negotiate.Client {
	t.Helper()
	name, err := p.ImportName("HTTP@"+svcHost, gss.NameHostBasedService)
	require.NoError(t, err)
	t.Cleanup(func() { name.Release() })
	cfg.Provider = p
	c, err := negotiate.NewClient(name, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func tok(t *testing.T, b []byte) *negotiate.Token {
	t.Helper()
	x, err := negotiate.Parse(b)
	require.NoError(t, err)
	return x
}

// TestInteropSambaAcceptor: our initiator against Samba's SPNEGO acceptor.
func TestInteropSambaAcceptor(t *testing.T) {
	d, p := needDC(t)
	t.Run("optimistic", func(t *testing.T) {
		acc := &sambaPeer{h: d.SpnegoAcceptor(t, keytab)}
		c := newClient(t, p, negotiate.Config{})
		r := mitm.Run(c, acc, mitm.None)
		require.NoError(t, r.InitErr)
		require.NoError(t, r.AccErr)
		require.Len(t, r.Tokens, 2)
		assert.Equal(t, sambadc.Domain+`\`+user, acc.result)
		reply := tok(t, r.Tokens[1])
		assert.Equal(t, gss.MechMSKRB5, reply.SupportedMech, "Samba echoes the MS OID")
		assert.Nil(t, reply.MechListMIC)
		assert.False(t, c.ContinueNeeded())
		assert.Equal(t, negotiate.ResultOK, c.Record().Transcript.Verdict.Result)
	})
	// Without the optimistic token Samba (AES session key: NEW_SPNEGO) sends
	// its MIC with the AP-REP and requires ours: the seed scenario.
	t.Run("seed-no-optimistic", func(t *testing.T) {
		acc := &sambaPeer{h: d.SpnegoAcceptor(t, keytab)}
		c := newClient(t, p, negotiate.Config{Mechs: []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP}, NoOptimisticToken: true})
		r := mitm.Run(c, acc, mitm.None)
		require.NoError(t, r.InitErr)
		require.NoError(t, r.AccErr)
		assert.Equal(t, sambadc.Domain+`\`+user, acc.result)
		rec := c.Record()
		assert.Equal(t, negotiate.RuleExtraLegNewEnctype, rec.MICRule)
		assert.True(t, rec.MICReceived, "Samba's MIC verified")
		assert.True(t, rec.MICSent)
		assert.Equal(t, negotiate.ResultOK, rec.Transcript.Verdict.Result)
	})
	// IAKERB first (Samba lacks it): request-mic, and Samba refuses to
	// complete when the attacker strips our MIC.
	t.Run("downgrade", func(t *testing.T) {
		for _, attack := range []mitm.Attack{mitm.None, attackNamed(t, "strip-initiator-mic"), attackNamed(t, "forge-initiator-mic")} {
			t.Run(attack.Name, func(t *testing.T) {
				acc := &sambaPeer{h: d.SpnegoAcceptor(t, keytab)}
				c := newClient(t, p, negotiate.Config{Mechs: []gss.OID{gss.MechIAKERB, gss.MechKRB5}, NoOptimisticToken: true})
				r := mitm.Run(c, acc, attack)
				require.NoError(t, r.InitErr)
				assert.Equal(t, negotiate.NegStateRequestMIC, tok(t, r.Tokens[1]).NegState)
				assert.Equal(t, negotiate.RuleSelectedNotFirst, c.Record().MICRule)
				assert.True(t, c.Record().MICReceived, "Samba's MIC verified")
				if attack.Name == "none" {
					require.NoError(t, r.AccErr)
					assert.Equal(t, sambadc.Domain+`\`+user, acc.result)
					return
				}
				assert.Error(t, r.AccErr, "Samba must refuse the exchange without a valid initiator MIC")
				assert.NotEqual(t, sambadc.Domain+`\`+user, acc.result)
			})
		}
	})
}

// TestInteropSambaInitiator: Samba's SPNEGO initiator ([MS-KRB5, krb5,
// NTLMSSP] + optimistic AP-REQ with a PAC) against our acceptor.
func TestInteropSambaInitiator(t *testing.T) {
	d, p := needDC(t)
	for _, profile := range []negotiate.Profile{negotiate.ProfileWindows, negotiate.ProfileRFC4178} {
		t.Run(profile.String(), func(t *testing.T) {
			ini := &sambaPeer{h: d.SpnegoInitiator(t, user, password, "HTTP", svcHost)}
			s, err := negotiate.NewServer(negotiate.Config{Provider: p, Profile: profile})
			require.NoError(t, err)
			defer s.Close()
			r := mitm.Run(ini, s, mitm.None)
			require.NoError(t, r.InitErr)
			require.NoError(t, r.AccErr)
			first := tok(t, r.Tokens[0])
			assert.Equal(t, []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP}, first.MechTypes)
			assert.False(t, s.ContinueNeeded())
			info, err := s.Inquire()
			require.NoError(t, err)
			assert.Equal(t, d.Principal(user), info.InitiatorName)
			assert.Equal(t, gss.MechMSKRB5, info.Mech)
			assert.Equal(t, negotiate.ResultOK, s.Record().Transcript.Verdict.Result)
		})
	}
}

func attackNamed(t *testing.T, name string) mitm.Attack {
	for _, a := range mitm.Attacks() {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no attack %s", name)
	return mitm.Attack{}
}
