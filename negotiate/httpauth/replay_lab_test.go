//go:build linux

package httpauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/replay"
)

// stuckStore never answers before the check's deadline.
type stuckStore struct{}

func (stuckStore) CheckAndInsert(ctx context.Context, _ replay.Key, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

func (stuckStore) String() string { return "stuck://test" }

// TestServerReplayStore: two Servers sharing one ReplayStore refuse a token
// the other accepted (401, replay.ErrReplay: ours, since the library's
// cache is off under it); a Server with its own store accepts it; a store
// that does not answer within ReplayTimeout gives 503 naming it.
func TestServerReplayStore(t *testing.T) {
	_, p := labRealm(t)
	shared := replay.NewMemory(0)
	type srv struct {
		url  string
		mu   sync.Mutex
		errs []error
	}
	start := func(s *httpauth.Server) *srv {
		x := &srv{}
		s.Config = negotiate.Config{Provider: p}
		s.ErrorLog = func(_ *http.Request, err error) { x.mu.Lock(); x.errs = append(x.errs, err); x.mu.Unlock() }
		x.url = serve(t, s, whoami).URL
		return x
	}
	send := func(x *srv, tok []byte) (int, string) {
		req, _ := http.NewRequest("GET", x.url, nil)
		req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(tok))
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	a := start(&httpauth.Server{ReplayStore: shared})
	b := start(&httpauth.Server{ReplayStore: shared})
	own := start(&httpauth.Server{})
	stuck := start(&httpauth.Server{ReplayStore: stuckStore{}, ReplayTimeout: 100 * time.Millisecond})

	tok := firstToken(t, p, false)
	code, body := send(a, tok)
	require.Equal(t, http.StatusOK, code, body)
	code, body = send(b, tok)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	b.mu.Lock()
	require.NotEmpty(t, b.errs)
	assert.ErrorIs(t, b.errs[0], gss.ErrDuplicateToken)
	assert.ErrorIs(t, b.errs[0], replay.ErrReplay, "refused by gssnego's cache")
	b.mu.Unlock()
	code, body = send(own, tok)
	assert.Equal(t, http.StatusOK, code, "its own store has not seen it, and the library's cache is off under ours (MIT, pure-Go) or absent (Heimdal): %s", body)

	code, body = send(stuck, firstToken(t, p, false))
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, "replay cache stuck://test unavailable")
	stuck.mu.Lock()
	var ue *replay.UnavailableError
	assert.True(t, len(stuck.errs) > 0 && errors.As(stuck.errs[0], &ue))
	stuck.mu.Unlock()
}
