package gss_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// blockingContext is a SecContext whose Continue blocks until release is
// closed; only Continue and Close are used by ContinueContext.
type blockingContext struct {
	gss.SecContext
	release chan struct{}
	closed  atomic.Int32
	out     []byte
	err     error
}

func (b *blockingContext) Continue([]byte) ([]byte, error) {
	<-b.release
	return b.out, b.err
}

func (b *blockingContext) Close() error { b.closed.Add(1); return nil }

func waitClosed(t *testing.T, b *blockingContext, want int32) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // hang guard
	for b.closed.Load() != want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := b.closed.Load(); got != want {
		t.Fatalf("Close called %d times, want %d", got, want)
	}
}

func TestContinueContextAbandons(t *testing.T) {
	b := &blockingContext{release: make(chan struct{}), out: []byte("late")}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("user gave up")
	cancel(cause)
	if _, err := gss.ContinueContext(ctx, b, nil); !errors.Is(err, cause) || errors.Is(err, gss.ErrAbandoned) {
		t.Fatalf("ended context before the step: %v", err)
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	out, err := gss.ContinueContext(ctx, b, nil)
	if out != nil || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, gss.ErrAbandoned) {
		t.Fatalf("got %q, %v", out, err)
	}
	var ae *gss.AbandonedError
	if !errors.As(err, &ae) || ae.Cause != context.DeadlineExceeded {
		t.Fatalf("not an AbandonedError with the cause: %#v", err)
	}
	if b.closed.Load() != 0 {
		t.Fatal("closed before the step returned")
	}
	close(b.release)
	waitClosed(t, b, 1)
}

func TestContinueContextResult(t *testing.T) {
	b := &blockingContext{release: make(chan struct{}), out: []byte("tok"), err: gss.ErrBadMIC}
	close(b.release)
	for _, ctx := range []context.Context{context.Background(), t.Context()} {
		out, err := gss.ContinueContext(ctx, b, nil)
		if string(out) != "tok" || !errors.Is(err, gss.ErrBadMIC) {
			t.Fatalf("got %q, %v", out, err)
		}
	}
	time.Sleep(10 * time.Millisecond)
	if b.closed.Load() != 0 {
		t.Fatal("a delivered step must not close the context")
	}
}
