//go:build cgo && !windows && !heimdal

package kerberos_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestWriteFuzzSeeds regenerates testdata/seed-*: a ccache written by MIT's
// kinit, a keytab written by kadmin, and MIT-made context and
// per-message tokens. It runs only with GSSNEGO_WRITE_SEEDS=1; the realm is
// a throwaway one, so its keys are worthless.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("GSSNEGO_WRITE_SEEDS") != "1" {
		t.Skip("set GSSNEGO_WRITE_SEEDS=1 to rewrite testdata/seed-*")
	}
	r := testrealm.Shared(t)
	write := func(name string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "seed-"+name), b, 0o644))
	}
	cc, err := os.ReadFile(strings.TrimPrefix(r.CCache, "FILE:"))
	require.NoError(t, err)
	write("ccache-mit-kinit", cc)
	kt := filepath.Join(t.TempDir(), "kt")
	r.ExportKey(t, "HTTP/localhost", "FILE:"+kt)
	ktb, err := os.ReadFile(kt)
	require.NoError(t, err)
	write("keytab-kadmin", ktb)

	p := gssapi_unix.New()
	init := initiator(t, p, importName(t, p, "HTTP@localhost", gss.NameHostBasedService))
	acc := acceptor(t, p)
	apreq, err := init.Continue(nil)
	require.NoError(t, err)
	write("apreq-mit", apreq)
	aprep, err := acc.Continue(apreq)
	require.NoError(t, err)
	write("aprep-mit", aprep)
	_, err = init.Continue(aprep)
	require.NoError(t, err)
	mic, err := acc.GetMIC([]byte("seed"))
	require.NoError(t, err)
	write("mic-mit", mic)
	w, _, err := acc.Wrap([]byte("seed"), true)
	require.NoError(t, err)
	write("wrap-sealed-mit", w)
	w, _, err = acc.Wrap([]byte("seed"), false)
	require.NoError(t, err)
	write("wrap-integ-mit", w)
}
