package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
	"github.com/gssnego/gssnego/replay/redisstore"
)

// replayFlags are gssnego proxy's replay-cache flags.
type replayFlags struct {
	cache    string // memory, native, redis://…, rediss://…
	fallback bool
	timeout  time.Duration
}

// provider puts prov behind the replay cache the flags name (prov itself
// for "native").
func (rf replayFlags) provider(prov gss.Provider) (gss.Provider, error) {
	var store replay.Store
	switch c := rf.cache; {
	case c == "" || c == "memory":
		if rf.fallback {
			return nil, fmt.Errorf("-replay-fallback needs a Redis -replay-cache")
		}
		store = replay.NewMemory(0)
	case c == "native":
		if rf.fallback {
			return nil, fmt.Errorf("-replay-fallback needs a Redis -replay-cache")
		}
		return prov, nil
	case strings.HasPrefix(c, "redis://") || strings.HasPrefix(c, "rediss://") || strings.HasPrefix(c, "unix://"):
		o := redisstore.Options{Timeout: rf.timeout}
		if rf.fallback {
			o.Fallback = replay.NewMemory(0)
		}
		s, err := redisstore.New(c, o)
		if err != nil {
			return nil, fmt.Errorf("-replay-cache: %w", err)
		}
		store = s
	default:
		return nil, fmt.Errorf("-replay-cache %q: want memory, native or a redis:// URL", c)
	}
	rp := replay.New(prov, store)
	rp.Timeout = rf.timeout
	return rp, nil
}
