package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
	"github.com/gssnego/gssnego/replay/redisstore"
)

// fakeProvider stands for the platform provider: replayFlags only wraps it.
type fakeProvider struct{ gss.Provider }

func TestReplayFlags(t *testing.T) {
	base := fakeProvider{}
	for _, c := range []struct {
		flags replayFlags
		store string // "" when the provider must come back unwrapped
		err   string
	}{
		{flags: replayFlags{cache: "memory"}, store: "memory"},
		{flags: replayFlags{}, store: "memory"},
		{flags: replayFlags{cache: "native"}},
		{flags: replayFlags{cache: "redis://127.0.0.1:6379/2", timeout: time.Second}, store: "redis://127.0.0.1:6379/2"},
		{flags: replayFlags{cache: "redis://127.0.0.1:6379/0", fallback: true}, store: "redis://127.0.0.1:6379/0"},
		{flags: replayFlags{cache: "memory", fallback: true}, err: "-replay-fallback needs a Redis -replay-cache"},
		{flags: replayFlags{cache: "native", fallback: true}, err: "-replay-fallback needs a Redis -replay-cache"},
		{flags: replayFlags{cache: "memcached://x"}, err: `want memory, native or a redis:// URL`},
		{flags: replayFlags{cache: "redis://127.0.0.1:6379/notanumber"}, err: "-replay-cache: redisstore:"},
	} {
		p, err := c.flags.provider(base)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, "%+v", c.flags)
			continue
		}
		require.NoError(t, err, "%+v", c.flags)
		if c.store == "" {
			assert.Equal(t, base, p)
			continue
		}
		rp, ok := p.(*replay.Provider)
		require.True(t, ok, "%+v: %T", c.flags, p)
		assert.Equal(t, c.store, replay.StoreName(rp.Store))
		assert.Equal(t, c.flags.timeout, rp.Timeout)
		if s, ok := rp.Store.(*redisstore.Store); ok {
			s.Close()
		}
	}
}
