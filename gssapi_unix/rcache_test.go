//go:build !windows && cgo

package gssapi_unix

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
)

// TestReplayCacheOurs replays one AP-REQ to a second acceptor: without
// gssnego's cache MIT refuses it with its own cache and Heimdal accepts it
// (it keeps none); with ours (replay.New) both refuse it as a replay. With
// ours on, MIT's own cache is off for the credential the wrapper acquired
// (rcache "none:"): the native acceptor alone then accepts the replay, so
// the refusal is ours.
func TestReplayCacheOurs(t *testing.T) {
	p := provider(t)
	newToken := func() []byte {
		ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)), gss.WithFlags(gss.FlagMutual|gss.FlagReplay))
		require.NoError(t, err)
		t.Cleanup(func() { ini.Close() })
		tok, err := ini.Continue(nil)
		require.NoError(t, err)
		return tok
	}
	accept := func(p gss.Provider, tok []byte, opts ...gss.AcceptSecContextOption) error {
		acc, err := p.AcceptSecContext(opts...)
		require.NoError(t, err)
		defer acc.Close()
		_, err = acc.Continue(tok)
		return err
	}

	// Without ours.
	tok := newToken()
	require.NoError(t, accept(p, tok))
	err := accept(p, tok)
	if implementation == "Heimdal" {
		assert.NoError(t, err, "Heimdal now keeps a replay cache: update docs/http.md and the replay package doc")
	} else {
		assert.ErrorIs(t, err, gss.ErrDuplicateToken, "MIT's own cache")
	}

	// With ours.
	rp := replay.New(p, replay.NewMemory(0))
	tok = newToken()
	require.NoError(t, accept(rp, tok))
	err = accept(rp, tok)
	require.Error(t, err, "replay accepted with gssnego's cache")
	assert.ErrorIs(t, err, gss.ErrDuplicateToken)
	assert.ErrorIs(t, err, replay.ErrReplay, "refused by ours, not the library's")
	t.Log("replay refused:", err)

	// Ours turns MIT's off for the credential it acquires.
	cred, err := rp.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly)
	require.NoError(t, err)
	defer cred.Release()
	tok = newToken()
	require.NoError(t, accept(rp, tok))
	require.ErrorIs(t, accept(rp, tok), replay.ErrReplay)
	assert.NoError(t, accept(p, tok, gss.WithAcceptorCredential(cred)), "the native cache is off for the credential acquired through ours")
	assert.NoError(t, accept(p, tok, gss.WithAcceptorCredential(cred)))
}
