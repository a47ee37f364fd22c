//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestFailedStepKillsContext: after a failed step the native context is
// deleted, so Inquire answers without calling into the library (Heimdal's
// mechglue crashed there: its wrapper outlives the mechanism context) and
// every other call is ErrNoContext.
func TestFailedStepKillsContext(t *testing.T) {
	p := provider(t)
	ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)), gss.WithFlags(gss.FlagMutual))
	require.NoError(t, err)
	defer ini.Close()
	acc, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	rep, err := acc.Continue(tok)
	require.NoError(t, err)
	// A well-framed AP-REP whose ciphertext was altered: the library itself
	// fails the step.
	rep[len(rep)-1] ^= 0x01
	_, err = ini.Continue(rep)
	require.Error(t, err)
	info, err := ini.Inquire()
	require.NoError(t, err)
	assert.False(t, info.Established)
	assert.False(t, ini.ContinueNeeded())
	_, err = ini.GetMIC([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.Continue(rep)
	assert.ErrorIs(t, err, gss.ErrNoContext)
	assert.NoError(t, ini.Close())
}
