package gss_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// slowStep stands for a context whose step waits on a KDC that does not
// answer.
type slowStep struct {
	gss.SecContext
	closed chan struct{}
}

func (s *slowStep) Continue([]byte) ([]byte, error) {
	time.Sleep(50 * time.Millisecond)
	return []byte("too late"), nil
}

func (s *slowStep) Close() error { close(s.closed); return nil }

// ExampleContinueContext bounds a step by a deadline: the caller gets the
// context's error at once, and the context is closed when the step returns.
func ExampleContinueContext() {
	sc := &slowStep{closed: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	_, err := gss.ContinueContext(ctx, sc, nil)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), errors.Is(err, gss.ErrAbandoned))
	<-sc.closed // the abandoned step's goroutine closed it
	fmt.Println("closed")
	// Output:
	// true true
	// closed
}
