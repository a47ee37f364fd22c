//go:build !windows

package negotiate_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/pypeer"
	"github.com/gssnego/gssnego/negotiate"
)

// TestNTLMFallback: the target has no Kerberos principal, so the initiator
// drops Kerberos (as Windows does) and NTLM (gss-ntlmssp) runs in three
// legs. gss-ntlmssp puts a MIC in AUTHENTICATE, which makes the
// mechListMIC mandatory under the Windows profile: MICs both ways.
func TestNTLMFallback(t *testing.T) {
	r, p := lab(t)
	t.Setenv("NTLM_USER_FILE", ntlmUsers(t, r))
	for _, peer := range []string{"engine", "python"} {
		t.Run(peer, func(t *testing.T) {
			client, err := negotiate.NewClient(target(t, p, "HTTP@nokerberos.gssnego.test"), negotiate.Config{Provider: p})
			require.NoError(t, err)
			defer client.Close()
			var server gss.SecContext
			if peer == "engine" {
				s, err := negotiate.NewServer(negotiate.Config{Provider: p})
				require.NoError(t, err)
				server = s
			} else {
				server = pypeer.Start(t, pypeer.Config{Role: "acceptor"}, r.Env()...)
			}
			defer server.Close()
			tokens, cerr, serr := exchange(client, server)
			require.NoError(t, cerr)
			require.NoError(t, serr)
			established(t, client)
			first := parse(t, tokens[0])
			assert.Equal(t, []gss.OID{gss.MechNTLMSSP}, first.MechTypes, "Kerberos dropped from the list")
			rec := client.Record()
			assert.Equal(t, gss.MechNTLMSSP, rec.Selected)
			assert.Equal(t, negotiate.RuleNTLMAuthenticateMIC, rec.MICRule)
			assert.True(t, rec.MICSent)
			assert.True(t, rec.MICReceived)
			if s, ok := server.(*negotiate.Server); ok {
				assert.True(t, s.Record().MICReceived)
				established(t, s)
			}
			perMessage(t, client, server)
		})
	}
}
