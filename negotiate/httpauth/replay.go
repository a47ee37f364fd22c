package httpauth

import (
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/replay"
)

// replayProvider puts Config.Provider behind gssnego's replay cache
// (ReplayStore, memory by default), unless NativeReplayCache is set, there
// is no provider (NewContext), or it already is one.
func (s *Server) replayProvider() *replay.Provider {
	p := s.Config.Provider
	if s.NativeReplayCache || p == nil {
		return nil
	}
	if rp, ok := p.(*replay.Provider); ok {
		return rp
	}
	rp := replay.New(p, s.ReplayStore)
	rp.Timeout = s.ReplayTimeout
	return rp
}

// acceptConfig is Config with the acceptor's provider behind the replay
// cache.
func (s *Server) acceptConfig() negotiate.Config {
	cfg := s.Config
	if s.replay != nil {
		cfg.Provider = s.replay
	}
	return cfg
}
