//go:build !windows && cgo

package gssapi_unix

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// serviceInitCred is HTTP/localhost's own initiator credential: a TGT from
// its key in the realm's keytab (what a service acquires before S4U).
func serviceInitCred(t *testing.T, p *Provider) gss.Credential {
	t.Helper()
	name := importTarget(t, p, realm.Principal(targetHTTP))
	// Its own (empty) ccache: the default one holds alice's TGT.
	cc := "FILE:" + filepath.Join(t.TempDir(), "svc.ccache")
	opts := []gss.CredOption{gss.WithCCache(cc), gss.WithClientKeytab(realm.Keytab)}
	if implementation == "Heimdal" {
		opts = []gss.CredOption{gss.WithCCache(realm.CCache)} // no client keytab in Heimdal 7.8's store
	}
	cred, err := p.AcquireCredential(name, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { cred.Release() })
	return cred
}

// TestImpersonateS4U2SelfMIT: HTTP/localhost impersonates alice without any
// ticket from her (S4U2Self) and authenticates to itself as alice; an
// S4U2Proxy to another service is refused by MIT's KDC (its DB2 back end
// has no constrained-delegation list) with KDC_ERR_BADOPTION.
func TestImpersonateS4U2SelfMIT(t *testing.T) {
	p := provider(t)
	if implementation != "MIT" {
		t.Skip("Heimdal 7.8 has no gss_acquire_cred_impersonate_name (TestImpersonateUnavailableHeimdal)")
	}
	svc := serviceInitCred(t, p)
	user := importTarget(t, p, realm.Principal(realm.User))
	alice, err := gss.AcquireImpersonatedCredential(p, svc, user, 0)
	require.NoError(t, err)
	defer alice.Release()
	info, err := alice.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal(realm.User), info.Name)

	_, acc := pair(t, p, realm.Principal(targetHTTP), gss.WithInitiatorCredential(alice))
	ai, err := acc.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal(realm.User), ai.InitiatorName, "S4U2Self ticket names the user")

	target := importTarget(t, p, realm.Principal(testrealm.ServiceHost))
	ini, err := p.InitSecContext(target, gss.WithInitiatorCredential(alice), gss.WithFlags(allFlagsLocal))
	require.NoError(t, err)
	defer ini.Close()
	_, err = ini.Continue(nil)
	require.Error(t, err, "MIT's DB2 KDC granted S4U2Proxy")
	assert.ErrorIs(t, err, gss.KDCErrBadOption, "%v", err)
	k, ok := gss.KDCErrorOf(err)
	assert.True(t, ok)
	assert.Equal(t, gss.KDCErrBadOption, k)
	t.Logf("S4U2Proxy refused: %v", err)
}

// TestImpersonateUnavailableHeimdal: Heimdal 7.8 says so with ErrUnavailable.
func TestImpersonateUnavailableHeimdal(t *testing.T) {
	p := provider(t)
	if implementation != "Heimdal" {
		t.Skip("MIT has gss_acquire_cred_impersonate_name (TestImpersonateS4U2SelfMIT)")
	}
	svc := serviceInitCred(t, p)
	user := importTarget(t, p, realm.Principal(realm.User))
	_, err := gss.AcquireImpersonatedCredential(p, svc, user, 0)
	assert.ErrorIs(t, err, gss.ErrUnavailable)
	assert.ErrorContains(t, err, "gss_acquire_cred_impersonate_name")
}

// TestImpersonateMisuse: nil or foreign arguments are typed errors.
func TestImpersonateMisuse(t *testing.T) {
	p := provider(t)
	user := importTarget(t, p, realm.Principal(realm.User))
	_, err := p.AcquireImpersonatedCredential(nil, user, nil, gss.CredInitiateOnly, 0)
	assert.ErrorIs(t, err, gss.ErrNoCred)
	svc := serviceInitCred(t, p)
	_, err = p.AcquireImpersonatedCredential(svc, nil, nil, gss.CredInitiateOnly, 0)
	assert.ErrorIs(t, err, gss.ErrBadName)
}
