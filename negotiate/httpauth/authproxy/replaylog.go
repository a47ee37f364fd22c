package authproxy

import (
	"errors"
	"net/http"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
)

// hookReplayLog makes the access log see the replay cache's refusals: the
// authenticator's ErrorLog (kept, and still called) records them in the
// request's entry. Other authentication failures are left to ErrorLog, as
// before.
func (p *Proxy) hookReplayLog() {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	if p.replayHooked {
		return
	}
	p.replayHooked = true
	prev := p.Auth.ErrorLog
	p.Auth.ErrorLog = func(r *http.Request, err error) {
		if refusal(err) != "" {
			entryOf(r).err = err
		}
		if prev != nil {
			prev(r, err)
		}
	}
}

// refusal names a replay-cache refusal for the access log, "" for any other
// error.
func refusal(err error) string {
	var ue *replay.UnavailableError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, replay.ErrReplay), errors.Is(err, gss.ErrDuplicateToken):
		// gssnego's cache, or the library's own (MIT's file cache, the
		// pure-Go provider's) when it saw the token first.
		return "replay"
	case errors.As(err, &ue):
		return "replay-cache-unavailable"
	}
	return ""
}
