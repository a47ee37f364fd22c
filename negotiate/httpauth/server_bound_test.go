package httpauth_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// stuckStep is an acceptor context whose step blocks until release, as a
// native step waiting on a KDC or a DC does.
type stuckStep struct {
	entered chan struct{}
	release chan struct{}
	closed  atomic.Int32
}

func (s *stuckStep) Continue([]byte) ([]byte, error) {
	close(s.entered)
	<-s.release
	return nil, gss.ErrFailure
}
func (s *stuckStep) ContinueNeeded() bool                    { return true }
func (s *stuckStep) Inquire() (*gss.SecContextInfo, error)   { return nil, gss.ErrNoContext }
func (s *stuckStep) GetMIC([]byte) ([]byte, error)           { return nil, gss.ErrNoContext }
func (s *stuckStep) VerifyMIC([]byte, []byte) error          { return gss.ErrNoContext }
func (s *stuckStep) Wrap([]byte, bool) ([]byte, bool, error) { return nil, false, gss.ErrNoContext }
func (s *stuckStep) Unwrap([]byte) ([]byte, bool, error)     { return nil, false, gss.ErrNoContext }
func (s *stuckStep) WrapSizeLimit(bool, int) (int, error)    { return 0, gss.ErrNoContext }
func (s *stuckStep) Export() ([]byte, error)                 { return nil, gss.ErrNoContext }
func (s *stuckStep) Close() error                            { s.closed.Add(1); return nil }

// TestServerStepBoundedByRequest: the acceptor step is bounded by the
// request's context, as the client's is: a request whose context ends
// while the step is stuck in the library is answered at once, and the
// context is closed once the step returns, by the goroutine that waited
// for it — not by the handler while the step still runs.
func TestServerStepBoundedByRequest(t *testing.T) {
	step := &stuckStep{entered: make(chan struct{}), release: make(chan struct{})}
	s := &httpauth.Server{
		NewContext:              func(*http.Request) (gss.SecContext, error) { return step, nil },
		MaxConcurrentHandshakes: 1,
	}
	h := s.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler reached") }))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString([]byte{0x60, 0x02, 0x05, 0x00}))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { defer close(done); h.ServeHTTP(rec, req) }()
	var once sync.Once
	release := func() { once.Do(func() { close(step.release) }) }
	t.Cleanup(release) // lets the step end, bound or not

	<-step.entered
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the server step outlived its request's context")
	}
	if rec.Code == http.StatusOK {
		t.Errorf("status %d for an abandoned step", rec.Code)
	}
	if n := step.closed.Load(); n != 0 {
		t.Errorf("context closed %d times while its step was still running", n)
	}

	// Once the step returns, the context is closed and the slot is free.
	release()
	for i := 0; step.closed.Load() == 0; i++ {
		if i == 500 {
			t.Fatal("the abandoned step's context was never closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	next := &stuckStep{entered: make(chan struct{}), release: make(chan struct{})}
	close(next.release)
	step = next
	req2 := httptest.NewRequest("GET", "/", nil)
	req2.Header = req.Header.Clone()
	rec = httptest.NewRecorder()
	finished := make(chan struct{})
	go func() { defer close(finished); h.ServeHTTP(rec, req2) }()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("the handshake slot was not freed by the abandoned step")
	}
	if n := next.closed.Load(); n != 1 {
		t.Errorf("the failed step's context closed %d times, want 1", n)
	}
}
