package gss

import (
	"context"
	"fmt"
)

// ErrAbandoned matches the error ContinueContext returns when ctx ended
// before the step did: the step's result is discarded and the context is no
// longer the caller's (ContinueContext closes it once the step returns).
var ErrAbandoned = abandoned{}

type abandoned struct{}

func (abandoned) Error() string { return "gss: step abandoned" }

// AbandonedError is what ContinueContext returns when ctx ends first. It
// matches ErrAbandoned and the context's error (context.DeadlineExceeded,
// context.Canceled or the cancel cause) with errors.Is.
type AbandonedError struct {
	Cause error // context.Cause(ctx)
}

func (e *AbandonedError) Error() string {
	return "gss: security context step still running when the context ended (a native call waits, usually on the KDC: see docs/errors.md); its result is discarded: " + e.Cause.Error()
}

// Unwrap exposes ErrAbandoned and the context's error.
func (e *AbandonedError) Unwrap() []error { return []error{ErrAbandoned, e.Cause} }

// ContinueContext is sc.Continue(in) bounded by ctx. A native step can block
// for a long time inside the library (gss_init_sec_context waits for the
// KDC with the library's own timeouts, tens of seconds for a KDC that does
// not answer) and cannot be interrupted, so the step runs in its own
// goroutine. When ctx ends first, ContinueContext returns at once with an
// *AbandonedError wrapping context.Cause(ctx); the goroutine then waits for
// the step, discards its result, closes sc (freeing its native objects) and
// exits. After such an error sc belongs to that goroutine: the caller must
// not call any of its methods, not even Close (a backend serialises calls,
// so Close would wait for the step).
//
// A ctx that can never end (context.Background) costs no goroutine. Every
// caller in this module steps contexts through this function, so one place
// decides how a deadline interrupts a handshake.
func ContinueContext(ctx context.Context, sc SecContext, in []byte) ([]byte, error) {
	if ctx.Done() == nil {
		return sc.Continue(in)
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("gss: security context step not started: %w", context.Cause(ctx))
	}
	type result struct {
		out []byte
		err error
	}
	// Unbuffered: the result is either taken by the caller or, once the
	// caller has closed abandon, left with the goroutine, never both.
	done := make(chan result)
	abandon := make(chan struct{})
	go func() {
		out, err := sc.Continue(in)
		select {
		case done <- result{out, err}:
		case <-abandon:
			sc.Close()
		}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		select {
		case r := <-done:
			// The step finished as the context ended: keep its result.
			return r.out, r.err
		default:
		}
		close(abandon)
		return nil, &AbandonedError{Cause: context.Cause(ctx)}
	}
}
