//go:build linux

package httpauth_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// TestUnknownServiceLeadsWithCause: a service name the KDC does not know,
// through the Transport against the real KDC, reads as what it is — the
// message leads with "the KDC does not know service …" and names the
// setting that chose the name — and still matches the sentinels callers
// use (the fault, the KDC code, the engine's).
func TestUnknownServiceLeadsWithCause(t *testing.T) {
	_, p := labRealm(t)
	check := func(t *testing.T, err error, lead, option string) {
		t.Helper()
		require.Error(t, err)
		t.Log(err)
		var ue interface{ Unwrap() error }
		require.True(t, errors.As(err, &ue), "a *url.Error")
		msg := ue.Unwrap().Error()
		assert.True(t, strings.HasPrefix(msg, lead), "leads with the cause:\n%s\nwant prefix %s", msg, lead)
		assert.Contains(t, msg, option)
		assert.NotContains(t, msg, "no common mechanism")
		for _, target := range []error{gss.ErrServiceUnknown, gss.KDCErrServerUnknown, negotiate.ErrNoCommonMech} {
			assert.ErrorIs(t, err, target)
		}
	}
	t.Run("SPN", func(t *testing.T) {
		ts := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, whoami)
		spn := "HTTP/nosuch.gssnego.test@" + testrealm.Name
		c := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p}, SPN: spn}}
		_, _, err := fetch(t, c, ts.URL)
		check(t, err, "negotiate: the KDC does not know service "+spn+" (", "httpauth.Transport.SPN")
	})
	// A proxy given by address and no ProxySPN: the name asked for is
	// HTTP@127.0.0.1, which the KDC cannot know; the message says so and
	// points at ProxySPN.
	t.Run("ProxyByAddress", func(t *testing.T) {
		px := strings.Replace(fakeProxy(t, func(c net.Conn, n int) {
			io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n")
		}), "localhost", "127.0.0.1", 1)
		_, _, err := fetch(t, viaProxy(t, px, nil, nil), "http://origin.gssnego.test/")
		host := strings.TrimPrefix(px, "http://")
		if strings.HasPrefix(p.Name(), "Heimdal") {
			// Heimdal cannot place HTTP@127.0.0.1 in a realm at all
			// ("Name too short to do referals"): no KDC error, but the
			// same advice.
			require.Error(t, err)
			t.Log(err)
			want := "httpauth: proxy " + host + ": no Kerberos service name for a proxy given by IP address: asked for HTTP@127.0.0.1; set httpauth.Transport.ProxySPN"
			assert.Contains(t, err.Error(), want)
			return
		}
		check(t, err, "httpauth: proxy "+host+": negotiate: the KDC does not know service HTTP@127.0.0.1 (", "httpauth.Transport.ProxySPN")
	})
}
