//go:build linux

package ldapgss

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestSlapdBind binds to OpenLDAP slapd (cyrus-sasl GSSAPI) without a
// minimum SSF: with go-ldap's own GSSAPIBind and no Conn the Client picks
// no layer; with a Conn it seals.
func TestSlapdBind(t *testing.T) {
	_, s := startSlapd(t, 0)
	t.Run("GSSAPIBind/no-layer", func(t *testing.T) {
		l, sc := dial(t, s.Addr)
		if err := l.GSSAPIBind(newClient(t), s.SPN(), ""); err != nil {
			t.Fatalf("bind: %v\n%s", err, s.LogTail(10))
		}
		if sc.Layer() != LayerNone {
			t.Fatalf("layer %v, want none", sc.Layer())
		}
		checkSession(t, l, s, "alice")
		if !strings.Contains(s.LogTail(40), "ssf=0") {
			t.Errorf("slapd did not log ssf=0 for the bind:\n%s", s.LogTail(40))
		}
	})
	t.Run("Conn/auto-seals", func(t *testing.T) {
		l, sc := dial(t, s.Addr)
		c := newClient(t, WithConn(sc))
		if err := c.Bind(l, s.SPN(), ""); err != nil {
			t.Fatalf("bind: %v\n%s", err, s.LogTail(10))
		}
		t.Logf("slapd offered %v, maximum buffer %d", c.offer.layers, c.offer.maxBuf)
		if sc.Layer() != LayerConfidentiality {
			t.Fatalf("layer %v, want confidentiality", sc.Layer())
		}
		checkSession(t, l, s, "alice")
	})
	t.Run("authzid", func(t *testing.T) {
		// slapd refuses a proxy authorisation it has no authz-policy for:
		// the authzid reached it and was judged.
		l, sc := dial(t, s.Addr)
		err := newClient(t, WithConn(sc), WithAuthzID("u:bob")).Bind(l, s.SPN(), "")
		be := wantBindError(t, err, StepServerReply, nil)
		var le *ldap.Error
		if !errors.As(be, &le) || le.ResultCode == ldap.ErrorNetwork {
			t.Fatalf("want slapd's refusal, got %v", err)
		}
	})
}

// TestSlapdMinSSF runs slapd with sasl-secprops minssf requiring integrity
// (1) and then confidentiality (56): signed and sealed sessions work, with
// messages split into many SASL buffers both ways; a client that answers
// with a weaker layer than offered is refused by slapd.
func TestSlapdMinSSF(t *testing.T) {
	for _, tc := range []struct {
		minSSF int
		layer  Layer
		weaker Layer
	}{
		{1, LayerIntegrity, LayerNone},
		{56, LayerConfidentiality, LayerNone},
	} {
		t.Run(tc.layer.String(), func(t *testing.T) {
			_, s := startSlapd(t, tc.minSSF)
			t.Run("protected", func(t *testing.T) {
				l, sc := dial(t, s.Addr)
				// A small buffer makes slapd split its answers; a long
				// filter makes us split our request.
				c := newClient(t, WithConn(sc), WithSecurityLayer(tc.layer), WithMaxBuffer(256))
				if err := c.Bind(l, s.SPN(), ""); err != nil {
					t.Fatalf("bind: %v\n%s", err, s.LogTail(10))
				}
				if sc.Layer() != tc.layer {
					t.Fatalf("layer %v, want %v", sc.Layer(), tc.layer)
				}
				t.Logf("slapd offered %v, maximum buffer %d", c.offer.layers, c.offer.maxBuf)
				checkSession(t, l, s, "alice")
				long := "(|(uid=alice)(cn=" + strings.Repeat("x", 200_000) + "))"
				res, err := l.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
					0, 0, false, long, []string{"*"}, nil))
				if err != nil || len(res.Entries) != 1 {
					t.Fatalf("long search: %v, %v", res, err)
				}
				in, out := sc.buffers()
				if in < 4 || out < 2 {
					t.Fatalf("SASL buffers in %d, out %d: messages were not split", in, out)
				}
				t.Logf("SASL buffers: %d in, %d out", in, out)
			})
			t.Run("unprotected-default-refused-locally", func(t *testing.T) {
				l, _ := dial(t, s.Addr)
				wantBindError(t, newClient(t).Bind(l, s.SPN(), ""), StepSecurityLayer, ErrNoCommonLayer)
			})
			t.Run("weaker-refused-by-slapd", func(t *testing.T) {
				l, sc := dial(t, s.Addr)
				c := newClient(t, WithConn(sc))
				c.cfg.forceLayer = tc.weaker
				be := wantBindError(t, c.Bind(l, s.SPN(), ""), StepServerReply, nil)
				var le *ldap.Error
				if !errors.As(be, &le) || le.ResultCode == ldap.ErrorNetwork {
					t.Fatalf("want slapd's refusal, got %v", be)
				}
				if sc.Layer() != LayerNone {
					t.Fatalf("layer %v after a refused bind", sc.Layer())
				}
			})
		})
	}
}
