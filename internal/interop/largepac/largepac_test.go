//go:build linux

package largepac

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// NearLimitGroups puts a user's Authorization header just under 64 KiB
// (Samba 4.17 puts each group in the PAC as an 8-byte RID entry; see
// docs/performance.md, "Large PACs").
const NearLimitGroups = 5900

// headerLimit is the header size the test targets: 64 KiB, IIS's default
// field limit and what httpauth.DefaultMaxTokenBytes accepts.
const headerLimit = 64 << 10

// TestLargePACNearHeaderLimit: a user whose Negotiate Authorization header
// is just under 64 KiB authenticates end to end, through the Go engine in
// process and through our HTTP server and client; a server configured
// with a smaller MaxTokenBytes refuses the same header with 400.
func TestLargePACNearHeaderLimit(t *testing.T) {
	_, p := needDC(t)
	u := userIn(t, NearLimitGroups)
	cred := credOf(t, p, u)

	tok, who, err := handshake(p, target(t, p), cred)
	require.NoError(t, err)
	assert.Equal(t, u.Name+"@SAMDOM.TEST", who)
	nt, err := negotiate.Parse(tok)
	require.NoError(t, err)
	t.Logf("largepac: %d groups: AP-REQ %d bytes, NegTokenInit %d bytes", NearLimitGroups, len(nt.MechToken), len(tok))

	hp := newHTTPPeer(t, p, cred, 0)
	status, body, res, err := hp.get()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, u.Name+"@SAMDOM.TEST", body)
	require.NotNil(t, res)
	assert.True(t, res.Mutual, "AP-REP verified")
	h := int(hp.MaxHeader.Load())
	t.Logf("largepac: Authorization header value %d bytes", h)
	assert.Less(t, h, headerLimit, "the header must stay under 64 KiB")
	assert.Greater(t, h, headerLimit-4096, "the test must come near 64 KiB: adjust NearLimitGroups")

	t.Run("SmallerLimit", func(t *testing.T) {
		hp := newHTTPPeer(t, p, cred, 32<<10)
		status, body, _, err := hp.get()
		// The Transport hands back a refusal that is not a 401 as the
		// response itself: the caller sees the server's 400.
		require.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.Contains(t, body, "limit 32778")
		assert.EqualValues(t, 1, hp.Status400.Load())
	})
}

// TestLargePACApache records what Apache mod_auth_gssapi does with the
// same header: its default LimitRequestFieldSize (8190) refuses it with
// 400 before any module runs; with LimitRequestFieldSize 65536 it
// authenticates.
func TestLargePACApache(t *testing.T) {
	d, p := needDC(t)
	u := userIn(t, NearLimitGroups)
	cred := credOf(t, p, u)
	for _, c := range []struct {
		name   string
		opts   []apache.Option
		status int
	}{
		{"Default", nil, http.StatusBadRequest},
		{"LimitRequestFieldSize65536", []apache.Option{apache.ServerDirectives("LimitRequestFieldSize 65536")}, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := apache.StartKeytab(t, d.Krb5Conf, keytab, append(c.opts, apache.Host(svcHost), apache.AllowedMechs("krb5"))...)
			base := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, srv.Addr)
			}}
			defer base.CloseIdleConnections()
			var statuses []int
			rec := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := base.RoundTrip(r)
				if err == nil {
					statuses = append(statuses, resp.StatusCode)
				}
				return resp, err
			})
			cl := &http.Client{Transport: &httpauth.Transport{Base: rec, Preemptive: true,
				Config: negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Credential: cred}}}
			resp, err := cl.Get(srv.URL)
			t.Logf("largepac: Apache %s: statuses %v, err %v", c.name, statuses, err)
			if c.status == http.StatusOK {
				require.NoError(t, err)
				defer resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, u.Name+"@SAMDOM.TEST", resp.Header.Get(apache.RemoteUserHeader))
				return
			}
			if err == nil {
				resp.Body.Close()
			}
			assert.Contains(t, statuses, c.status)
			assert.NotContains(t, statuses, http.StatusOK)
			assert.False(t, strings.Contains(srv.ErrorLogText(), u.Name+"@SAMDOM.TEST"), "no authentication may happen")
		})
	}
}
