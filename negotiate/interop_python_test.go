//go:build !windows

package negotiate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/pypeer"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// peerEnv points the python peer at the realm, with a krb5.conf that yields
// a genuine session key of etype e.
func peerEnv(t *testing.T, r *testrealm.Realm, e gss.Enctype) []string {
	env := r.Env()
	if e == gss.EnctypeRC4HMAC {
		env = append(env, "KRB5_CONFIG="+r.PreferEnctypes(t, e))
	}
	return env
}

// TestInteropPythonInitiator: MIT's SPNEGO in another process
// (python3-gssapi) as initiator against our acceptor, every lab etype.
func TestInteropPythonInitiator(t *testing.T) {
	for _, e := range testrealm.LabEtypes {
		t.Run(e.String(), func(t *testing.T) {
			r, p := lab(t)
			client := pypeer.Start(t, pypeer.Config{Role: "initiator", Target: "HTTP@" + hostOf(r.EtypeService(e))}, peerEnv(t, r, e)...)
			server := newServer(t, negotiate.Config{Provider: p})
			tokens := handshake(t, client, server)
			assert.Len(t, tokens, 2)
			established(t, server)
			assert.False(t, client.ContinueNeeded())
			info, err := server.Inquire()
			require.NoError(t, err)
			assert.Equal(t, r.Principal(r.User), info.InitiatorName)
			perMessage(t, server, client)
		})
	}
}

// TestInteropPythonAcceptor: our initiator against MIT's SPNEGO acceptor in
// another process.
func TestInteropPythonAcceptor(t *testing.T) {
	forEachEtype(t, func(t *testing.T, r *testrealm.Realm, p gss.Provider, e gss.Enctype) {
		server := pypeer.Start(t, pypeer.Config{Role: "acceptor"}, peerEnv(t, r, e)...)
		client := newClient(t, target(t, p, r.EtypeService(e)+"@"+r.Name), negotiate.Config{Provider: p})
		tokens := handshake(t, client, server)
		assert.Len(t, tokens, 2)
		established(t, client)
		perMessage(t, client, server)
	})
}

// TestInteropPythonFiveTokens is MIT's 5-token case from both sides: the
// initiator lists [NTLM, krb5], the acceptor takes krb5 only: request-mic,
// AP-REQ, AP-REP + MIC, MIC; each side verifies the other's MIC.
func TestInteropPythonFiveTokens(t *testing.T) {
	r, p := lab(t)
	t.Run("our-initiator", func(t *testing.T) {
		// An MIT acceptor takes NTLM when gss-ntlmssp is configured, even
		// without users; an empty mech config leaves it krb5 only.
		server := pypeer.Start(t, pypeer.Config{Role: "acceptor"}, append(r.Env(), "GSS_MECH_CONFIG=/dev/null")...)
		client, err := negotiate.NewClient(target(t, p, "HTTP@localhost"), negotiate.Config{
			Provider: p, Mechs: []gss.OID{gss.MechNTLMSSP, gss.MechKRB5}, NoOptimisticToken: true,
		})
		require.NoError(t, err)
		defer client.Close()
		tokens := handshake(t, client, server)
		require.Len(t, tokens, 5)
		assert.Equal(t, negotiate.NegStateRequestMIC, parse(t, tokens[1]).NegState)
		assert.NotNil(t, parse(t, tokens[3]).MechListMIC)
		assert.NotNil(t, parse(t, tokens[4]).MechListMIC)
		assert.True(t, client.Record().MICReceived, "we verified MIT's MIC")
		assert.False(t, server.ContinueNeeded(), "MIT verified ours")
		perMessage(t, client, server)
	})
	t.Run("our-acceptor", func(t *testing.T) {
		client := pypeer.Start(t, pypeer.Config{
			Role: "initiator", Target: "HTTP@localhost",
			NegMechs: []string{gss.MechNTLMSSP.String(), gss.MechKRB5.String()},
		}, append(r.Env(), "NTLM_USER_FILE="+ntlmUsers(t, r))...)
		server := newServer(t, negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}})
		tokens := handshake(t, client, server)
		first := parse(t, tokens[0])
		require.Equal(t, []gss.OID{gss.MechNTLMSSP, gss.MechKRB5}, first.MechTypes)
		require.Len(t, tokens, 5)
		assert.Equal(t, negotiate.NegStateRequestMIC, parse(t, tokens[1]).NegState)
		assert.True(t, server.Record().MICReceived, "we verified MIT's MIC")
		assert.True(t, server.Record().MICSent)
		established(t, server)
		assert.False(t, client.ContinueNeeded(), "MIT verified ours")
		perMessage(t, server, client)
	})
}

func hostOf(service string) string {
	for i := range service {
		if service[i] == '/' {
			return service[i+1:]
		}
	}
	return service
}

// ntlmUsers writes a gss-ntlmssp user file for the realm's user: MIT's
// SPNEGO only lists NTLM when it can get NTLM credentials.
func ntlmUsers(t *testing.T, r *testrealm.Realm) string {
	path := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(path, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	return path
}
