//go:build !windows

package sspisample

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	_ "github.com/gssnego/gssnego/platform" // registers the backend lab.Provider returns
)

// TestLoopbackNTLM runs the sample over gss-ntlmssp: the raw NTLM package
// and Negotiate offering NTLM only.
func TestLoopbackNTLM(t *testing.T) {
	r := testrealm.Shared(t)
	p := lab.Provider(t)
	if strings.HasPrefix(p.Name(), "Heimdal") {
		t.Skipf("%s links its own NTLM (against a digest service), not gss-ntlmssp", p.Name())
	}
	lab.NeedMech(t, p, gss.MechNTLMSSP)
	users := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(users, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	t.Setenv("NTLM_USER_FILE", users)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"RawNTLM", Config{Package: PackageNTLM}},
		{"NegotiateNTLM", Config{Mechs: []gss.OID{gss.MechNTLMSSP}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, done := startServer(t, tc.cfg)
			res, err := Client(dial(t, addr), "host@localhost", tc.cfg)
			srv := nextServed(t, done)
			require.NoError(t, srv.err)
			require.NoError(t, err)
			require.Equal(t, Message, string(res.Message))
			require.Equal(t, gss.MechNTLMSSP, res.Info.Mech)
			require.Equal(t, len(Message), res.CiphertextLen)
			require.Equal(t, 16, res.TrailerLen, "NTLM's trailer is its 16-byte signature")
		})
	}
}
