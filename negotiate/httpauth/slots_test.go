//go:build linux

package httpauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// watched is a real acceptor context that reports how many of its kind are
// inside Continue at once, and may hold the first caller until released.
type watched struct {
	gss.SecContext
	inside, most *atomic.Int32
	hold         chan struct{} // nil: do not hold
}

func (w *watched) Continue(in []byte) ([]byte, error) {
	n := w.inside.Add(1)
	defer w.inside.Add(-1)
	for {
		m := w.most.Load()
		if n <= m || w.most.CompareAndSwap(m, n) {
			break
		}
	}
	if w.hold != nil {
		<-w.hold
	}
	return w.SecContext.Continue(in)
}

// TestMaxConcurrentHandshakes: 16 clients at once against a server that
// allows one handshake at a time all authenticate, and never two acceptor
// steps run together; a request cancelled while it waits for the slot is
// answered without running its step.
func TestMaxConcurrentHandshakes(t *testing.T) {
	_, p := labRealm(t)
	var inside, most atomic.Int32
	s := &httpauth.Server{MaxConcurrentHandshakes: 1}
	s.NewContext = func(*http.Request) (gss.SecContext, error) {
		ctx, err := negotiate.NewServer(negotiate.Config{Provider: p})
		return &watched{SecContext: ctx, inside: &inside, most: &most}, err
	}
	ts := serve(t, s, whoami)

	const clients = 16
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = "Negotiate " + base64.StdEncoding.EncodeToString(firstToken(t, p, false))
	}
	var wg sync.WaitGroup
	codes := make([]int, clients)
	for i := range tokens {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest("GET", ts.URL, nil)
			req.Header.Set("Authorization", tokens[i])
			tr := &http.Transport{DisableKeepAlives: true}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		}(i)
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, http.StatusOK, c, "client %d", i)
	}
	assert.EqualValues(t, 1, most.Load(), "acceptor steps running at once")

	// One request holds the slot; a second, cancelled while it waits, is
	// turned away (ErrorLog sees the cancellation) and never reaches Continue.
	hold := make(chan struct{})
	var calls atomic.Int32
	logged := make(chan error, 4)
	s2 := &httpauth.Server{MaxConcurrentHandshakes: 1, ErrorLog: func(_ *http.Request, err error) { logged <- err }}
	s2.NewContext = func(*http.Request) (gss.SecContext, error) {
		ctx, err := negotiate.NewServer(negotiate.Config{Provider: p})
		var h chan struct{}
		if calls.Add(1) == 1 {
			h = hold
		}
		return &watched{SecContext: ctx, inside: &inside, most: &most, hold: h}, err
	}
	ts2 := serve(t, s2, whoami)
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", ts2.URL, nil)
		req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(firstToken(t, p, false)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	require.Eventually(t, func() bool { return inside.Load() == 1 }, 30*time.Second, 5*time.Millisecond)
	second := "Negotiate " + base64.StdEncoding.EncodeToString(firstToken(t, p, false))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The server made the second request's context, so its handler is
		// at the slot: cancel now, whatever the machine's speed.
		for calls.Load() < 2 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts2.URL, nil)
	req.Header.Set("Authorization", second)
	_, err := http.DefaultClient.Do(req)
	require.Error(t, err, "the waiting request should have been cancelled")
	select {
	case e := <-logged:
		assert.True(t, errors.Is(e, context.Canceled) || errors.Is(e, context.DeadlineExceeded), "logged %v", e)
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled request was not turned away")
	}
	close(hold)
	assert.Equal(t, http.StatusOK, <-first)
	assert.EqualValues(t, 2, calls.Load(), "contexts made")
	assert.Zero(t, inside.Load())
	assert.EqualValues(t, 1, most.Load(), "the cancelled request ran its step beside the held one")
}
