//go:build !windows && cgo

package gssapi_unix

import (
	"errors"
	"sync"
	"sync/atomic"
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

// TestReplayCacheConcurrent: through gssnego's cache, one AP-REQ fed to
// 64 acceptors at once is accepted exactly once; 640 distinct AP-REQs over
// 64 goroutines are all accepted (the 10,000-key version runs against each
// store in package replay and replay/redisstore).
func TestReplayCacheConcurrent(t *testing.T) {
	p := provider(t)
	rp := replay.New(p, replay.NewMemory(0))
	target := importTarget(t, p, realm.Principal(targetHTTP))
	newToken := func() []byte {
		ini, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual))
		require.NoError(t, err)
		defer ini.Close()
		tok, err := ini.Continue(nil)
		require.NoError(t, err)
		return tok
	}
	accept := func(tok []byte) error {
		acc, err := rp.AcceptSecContext()
		if err != nil {
			return err
		}
		defer acc.Close()
		_, err = acc.Continue(tok)
		return err
	}
	tok := newToken()
	var ok, replays atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch err := accept(tok); {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, replay.ErrReplay):
				replays.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, 1, ok.Load(), "exactly one of 64 concurrent accepts of one AP-REQ")
	assert.EqualValues(t, 63, replays.Load())

	toks := make([][]byte, 640)
	for i := range toks {
		toks[i] = newToken()
	}
	var refused atomic.Int32
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(toks); i += 64 {
				if err := accept(toks[i]); err != nil {
					refused.Add(1)
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, refused.Load())
}
