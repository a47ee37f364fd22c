//go:build !windows

package negotiate_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	testlab "github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/pypeer"
	"github.com/gssnego/gssnego/negotiate"
)

// TestNTLMFallback: the target has no Kerberos principal, so the initiator
// drops Kerberos (as Windows does) and NTLM (gss-ntlmssp) runs in three
// legs. gss-ntlmssp 1.2 sends MsvAvFlags 0 in AUTHENTICATE (no NTLM MIC),
// so under the Windows profile no mechListMIC is due — MIT's SPNEGO
// acceptor agrees and sends none; under strict both sides exchange them.
func TestNTLMFallback(t *testing.T) {
	r, p := lab(t)
	if strings.HasPrefix(p.Name(), "Heimdal") {
		// Not a missing lab part: Heimdal links its own NTLM mechanism
		// (NTLMv1 against a digest service) instead of gss-ntlmssp.
		t.Skipf("%s uses its built-in NTLM, not gss-ntlmssp", p.Name())
	}
	testlab.NeedMech(t, p, gss.MechNTLMSSP)
	t.Setenv("NTLM_USER_FILE", ntlmUsers(t, r))
	for _, tc := range []struct {
		peer    string
		profile negotiate.Profile
		rule    string
	}{
		{"engine", negotiate.ProfileWindows, ""},
		{"python", negotiate.ProfileWindows, ""},
		{"engine", negotiate.ProfileStrict, negotiate.RuleStrictProfile},
		{"python", negotiate.ProfileStrict, negotiate.RuleStrictProfile},
	} {
		peer := tc.peer
		t.Run(peer+"/"+tc.profile.String(), func(t *testing.T) {
			client := newClient(t, target(t, p, "HTTP@nokerberos.gssnego.test"), negotiate.Config{Provider: p, Profile: tc.profile})
			var server gss.SecContext
			if peer == "engine" {
				s, err := negotiate.NewServer(negotiate.Config{Provider: p, Profile: tc.profile})
				require.NoError(t, err)
				server = s
			} else {
				server = pypeer.Start(t, pypeer.Config{Role: "acceptor"}, r.Env()...)
			}
			defer server.Close()
			tokens := handshake(t, client, server)
			established(t, client)
			first := parse(t, tokens[0])
			assert.Equal(t, []gss.OID{gss.MechNTLMSSP}, first.MechTypes, "Kerberos dropped from the list")
			rec := client.Record()
			assert.Equal(t, gss.MechNTLMSSP, rec.Selected)
			assert.Equal(t, tc.rule, rec.MICRule)
			assert.Equal(t, tc.rule != "", rec.MICSent)
			assert.Equal(t, tc.rule != "", rec.MICReceived)
			if s, ok := server.(*negotiate.Server); ok {
				assert.Equal(t, tc.rule != "", s.Record().MICReceived)
				established(t, s)
			}
			perMessage(t, client, server)
		})
	}
}
