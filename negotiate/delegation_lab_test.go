//go:build !windows

package negotiate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	testlab "github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
)

// delegExchange runs the Go engine both ways towards service with flags and
// returns both records and the credential the acceptor was delegated.
func delegExchange(t *testing.T, service string, flags gss.Flags, native bool) (cr, sr negotiate.Record, deleg gss.Credential) {
	t.Helper()
	r, p := lab(t)
	cl, err := negotiate.NewClient(target(t, p, r.Principal(service)), negotiate.Config{Provider: p, Flags: flags})
	require.NoError(t, err)
	defer cl.Close()
	var srv interface {
		gss.SecContext
		gss.Delegated
	}
	if native {
		srv, err = negotiate.NewNativeServer(negotiate.Config{Provider: p})
	} else {
		srv, err = negotiate.NewServer(negotiate.Config{Provider: p})
	}
	require.NoError(t, err)
	defer srv.Close()
	_, cerr, serr := exchange(cl, srv)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	deleg, err = gss.DelegatedCredential(srv)
	require.NoError(t, err)
	if deleg != nil {
		t.Cleanup(func() { deleg.Release() })
	}
	cr = cl.Record()
	if s, ok := srv.(*negotiate.Server); ok {
		sr = s.Record()
	}
	return cr, sr, deleg
}

// TestDelegationThroughSPNEGO: Config.Flags reach the krb5 mechanism, the
// SPNEGO acceptor hands over the mechanism's delegated credential, and
// both records say what happened.
func TestDelegationThroughSPNEGO(t *testing.T) {
	r, p := lab(t)
	cr, sr, deleg := delegExchange(t, testrealm.ServiceHTTP, gss.FlagDeleg, false)
	require.NotNil(t, deleg)
	assert.Equal(t, negotiate.Delegation{Requested: gss.FlagDeleg, Delegated: true}, cr.Delegation)
	assert.Equal(t, negotiate.Delegation{Delegated: true}, sr.Delegation)
	info, err := deleg.Inquire()
	require.NoError(t, err)
	assert.Equal(t, r.Principal(r.User), info.Name)

	// The second hop through SPNEGO again, as alice.
	cl, err := negotiate.NewClient(target(t, p, r.Principal(testrealm.ServiceHost)), negotiate.Config{Provider: p, Credential: deleg})
	require.NoError(t, err)
	defer cl.Close()
	srv, err := negotiate.NewServer(negotiate.Config{Provider: p})
	require.NoError(t, err)
	defer srv.Close()
	_, cerr, serr := exchange(cl, srv)
	require.NoError(t, cerr)
	require.NoError(t, serr)
	si, err := srv.Inquire()
	require.NoError(t, err)
	assert.Equal(t, r.Principal(r.User), si.InitiatorName)

	cr, sr, deleg = delegExchange(t, testrealm.ServiceHTTP, 0, false)
	assert.Nil(t, deleg)
	assert.Equal(t, negotiate.Delegation{}, cr.Delegation)
	assert.Equal(t, negotiate.Delegation{}, sr.Delegation)

	cr, _, deleg = delegExchange(t, testrealm.ServiceHTTP, gss.FlagDelegPolicy, false)
	assert.Nil(t, deleg, "policy flag delegated to a service not marked ok-as-delegate")
	assert.Equal(t, negotiate.Delegation{Requested: gss.FlagDelegPolicy}, cr.Delegation)
	cr, _, deleg = delegExchange(t, testrealm.ServiceOKAsDelegate, gss.FlagDelegPolicy, false)
	assert.NotNil(t, deleg)
	assert.True(t, cr.Delegation.Delegated)

	t.Run("NativeAcceptor", func(t *testing.T) {
		testlab.NeedMech(t, p, gss.MechSPNEGO)
		_, _, deleg := delegExchange(t, testrealm.ServiceHTTP, gss.FlagDeleg, true)
		assert.NotNil(t, deleg, "native SPNEGO acceptor lost the delegated credential")
	})
}

// TestDelegationVisibleOnlyAsSize: the transcript cannot read the
// delegation (it is inside the encrypted authenticator), but a forwarded
// TGT makes the AP-REQ authenticator larger by a KRB-CRED.
func TestDelegationVisibleOnlyAsSize(t *testing.T) {
	authLen := func(flags gss.Flags) int {
		cr, _, _ := delegExchange(t, testrealm.ServiceHTTP, flags, false)
		for _, rep := range cr.Transcript.Reports {
			if rep.MechToken != nil && rep.MechToken.Message == "AP-REQ" {
				return rep.MechToken.Info.Kerberos.Authenticator.CipherLen
			}
		}
		t.Fatal("no AP-REQ in the transcript")
		return 0
	}
	plain, forwarded := authLen(0), authLen(gss.FlagDeleg)
	t.Logf("AP-REQ authenticator cipher: %d bytes without delegation, %d with a forwarded TGT", plain, forwarded)
	assert.Greater(t, forwarded-plain, 300, "a KRB-CRED with a TGT adds at least a ticket's size")
}

// TestDelegatedCredentialBeforeCompletion: asking too early is an error.
func TestDelegatedCredentialBeforeCompletion(t *testing.T) {
	_, p := lab(t)
	srv, err := negotiate.NewServer(negotiate.Config{Provider: p})
	require.NoError(t, err)
	defer srv.Close()
	_, err = srv.DelegatedCredential()
	assert.ErrorIs(t, err, negotiate.ErrNotEstablished)
}
