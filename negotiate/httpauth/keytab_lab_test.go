//go:build linux && cgo

package httpauth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// TestServerMemoryKeytab: the middleware with a gssapi_unix.Keytab as its
// credential (the keytab in memory) authenticates our Transport, and the
// Identity holds what Identity.Info documents: the initiator's name, the
// mechanism and session-key enctype, and no acceptor name.
func TestServerMemoryKeytab(t *testing.T) {
	r, p := labRealm(t)
	if p.Name() != "MIT" && !strings.HasPrefix(p.Name(), "Heimdal") {
		t.Skipf("provider %s has no memory keytab", p.Name())
	}
	kt, err := gssapi_unix.LoadKeytab(r.Keytab, gssapi_unix.KeytabConfig{})
	require.NoError(t, err)
	defer kt.Release()
	var srvID *httpauth.Identity
	s := &httpauth.Server{Config: negotiate.Config{Provider: p, Credential: kt}}
	ts := serve(t, s, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srvID = httpauth.IdentityFrom(r.Context())
		whoami(w, r)
	}))
	tr := &httpauth.Transport{Base: loopback(ts), Config: negotiate.Config{Provider: p}}
	for range 3 {
		resp, body, err := get(t, tr, urlFor(ts, "localhost"))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "alice@"+testrealm.Name, body)
	}
	require.NotNil(t, srvID)
	require.NotNil(t, srvID.Info)
	assert.Equal(t, srvID.Principal, srvID.Info.InitiatorName)
	assert.Empty(t, srvID.Info.AcceptorName, "Identity.Info leaves the acceptor's name out")
	assert.True(t, srvID.Info.Mech.IsKerberos())
	assert.True(t, srvID.Info.Established)
	assert.NotZero(t, srvID.Info.SessionKeyEnctype)
}
