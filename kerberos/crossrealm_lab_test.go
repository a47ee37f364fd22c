//go:build !windows

package kerberos_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// TestPureGoCrossRealm: three MIT realms on loopback shaped like an AD
// forest: FOREST.TEST the root, EAST.FOREST.TEST and WEST.FOREST.TEST its
// children, each trusting its parent both ways and nothing else. The
// client is alice@EAST.FOREST.TEST with kinit's TGT; the pure-Go initiator
// gets tickets for services of the other realms and completes a handshake
// with a pure-Go acceptor holding that realm's keytab.
func TestPureGoCrossRealm(t *testing.T) {
	east := testrealm.StartNamed(t, "EAST.FOREST.TEST")
	forest := testrealm.StartNamed(t, "FOREST.TEST")
	west := testrealm.StartNamed(t, "WEST.FOREST.TEST")
	testrealm.Trust(t, east, forest)
	testrealm.Trust(t, forest, east)
	testrealm.Trust(t, forest, west)
	testrealm.Trust(t, west, forest)
	forest.AddService(t, "HTTP/web.forest.test")
	west.AddService(t, "HTTP/web.west.forest.test")
	// EAST's KDC knows where web.forest.test is; the client does not.
	east.MapHosts(t, map[string]string{"web.forest.test": forest.Name})
	t.Setenv("KRB5_CONFIG", testrealm.ClientConf(t, map[string]string{".west.forest.test": west.Name}, east, forest, west))
	t.Setenv("KRB5CCNAME", east.CCache)

	pure := func() gss.Provider { return kerberos.NewProvider() }
	handshakeWith := func(t *testing.T, ip, ap gss.Provider, target string, typ gss.NameType, svc *testrealm.Realm, want string) {
		init := initiator(t, ip, importName(t, ip, target, typ))
		cred, err := ap.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(svc.Keytab))
		require.NoError(t, err)
		defer cred.Release()
		acc := acceptor(t, ap, gss.WithAcceptorCredential(cred))
		rawHandshake(t, init, acc)
		for _, c := range []gss.SecContext{init, acc} {
			info, err := c.Inquire()
			require.NoError(t, err)
			assert.Equal(t, east.Principal(east.User), info.InitiatorName)
			assert.Equal(t, want, info.AcceptorName)
		}
		perMessage(t, init, acc)
	}
	handshake := func(t *testing.T, target string, typ gss.NameType, svc *testrealm.Realm, want string) {
		handshakeWith(t, pure(), pure(), target, typ, svc, want)
	}
	t.Run("DirectTrust", func(t *testing.T) {
		// A principal of the parent realm: EAST's KDC gives
		// krbtgt/FOREST.TEST@EAST.FOREST.TEST, FOREST's the service ticket.
		handshake(t, "HTTP/web.forest.test@FOREST.TEST", gss.NameKerberosPrincipal, forest, "HTTP/web.forest.test@FOREST.TEST")
	})
	t.Run("Transit", func(t *testing.T) {
		// domain_realm puts the host in WEST, which EAST has no key with:
		// asked for krbtgt/WEST.FOREST.TEST, EAST's KDC answers with
		// krbtgt/FOREST.TEST (the realm hierarchy), FOREST's with
		// krbtgt/WEST.FOREST.TEST, and WEST's KDC issues the ticket.
		handshake(t, "HTTP@web.west.forest.test", gss.NameHostBasedService, west, "HTTP/web.west.forest.test@WEST.FOREST.TEST")
	})
	t.Run("Referral", func(t *testing.T) {
		// No domain_realm entry on the client: it asks its own KDC, with
		// the canonicalize option, which refers it to FOREST.TEST.
		handshake(t, "HTTP@web.forest.test", gss.NameHostBasedService, forest, "HTTP/web.forest.test@FOREST.TEST")
	})
	t.Run("FallbackRealm", func(t *testing.T) {
		// Neither the client nor EAST's KDC maps the host: EAST answers
		// "server not found", and the client tries the realm named after
		// the host's domain, WEST.FOREST.TEST, as MIT does.
		t.Setenv("KRB5_CONFIG", testrealm.ClientConf(t, nil, east, forest, west))
		handshake(t, "HTTP@web.west.forest.test", gss.NameHostBasedService, west, "HTTP/web.west.forest.test@WEST.FOREST.TEST")
	})
	t.Run("MIT", func(t *testing.T) {
		// MIT's library on the other side, through the transit path:
		// its acceptor checks the ticket's transited realms, and its
		// initiator finds the same path for our acceptor.
		if nativeProvider == nil {
			t.Skip("MIT's library is the cgo build's (gssapi_unix)")
		}
		t.Setenv("KRB5RCACHEDIR", t.TempDir())
		t.Run("PureGoToMIT", func(t *testing.T) {
			handshakeWith(t, pure(), nativeProvider(), "HTTP@web.west.forest.test", gss.NameHostBasedService, west, "HTTP/web.west.forest.test@WEST.FOREST.TEST")
		})
		t.Run("MITToPureGo", func(t *testing.T) {
			handshakeWith(t, nativeProvider(), pure(), "HTTP@web.west.forest.test", gss.NameHostBasedService, west, "HTTP/web.west.forest.test@WEST.FOREST.TEST")
		})
	})
	t.Run("KDCLogs", func(t *testing.T) {
		// The paths above, as the KDCs logged them: EAST issued only
		// cross-realm TGTs to its parent, FOREST the TGT for WEST.
		log := func(r *testrealm.Realm) string {
			b, err := os.ReadFile(filepath.Join(r.Dir, "kdc.log"))
			require.NoError(t, err)
			return string(b)
		}
		assert.Contains(t, log(east), "alice@EAST.FOREST.TEST for krbtgt/FOREST.TEST@EAST.FOREST.TEST")
		for _, line := range strings.Split(log(east), "\n") {
			assert.False(t, strings.Contains(line, "ISSUE") && strings.Contains(line, "for HTTP/"), "EAST issued a service ticket: %s", line)
		}
		assert.Contains(t, log(east), "for HTTP/web.west.forest.test@EAST.FOREST.TEST", "the fallback's first question")
		assert.Contains(t, log(forest), "alice@EAST.FOREST.TEST for krbtgt/WEST.FOREST.TEST@FOREST.TEST")
		assert.Contains(t, log(forest), "alice@EAST.FOREST.TEST for HTTP/web.forest.test@FOREST.TEST")
		assert.Contains(t, log(west), "alice@EAST.FOREST.TEST for HTTP/web.west.forest.test@WEST.FOREST.TEST")
	})
	t.Run("NoTrust", func(t *testing.T) {
		// A realm nobody trusts: EAST's KDC has no way there.
		p := kerberos.NewProvider()
		init := initiator(t, p, importName(t, p, "HTTP/web.nowhere.test@NOWHERE.TEST", gss.NameKerberosPrincipal))
		_, err := init.Continue(nil)
		assert.ErrorIs(t, err, gss.KDCErrServerUnknown, "%v", err)
	})
}

// nativeProvider is MIT's library in a cgo build (crossrealm_cgo_test.go),
// else nil.
var nativeProvider func() gss.Provider
