package httpauth

import (
	"errors"
	"sync"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// releaseCounter is a credential that counts its releases.
type releaseCounter struct {
	mu       sync.Mutex
	released int
}

func (c *releaseCounter) Inquire() (*gss.CredInfo, error) { return &gss.CredInfo{}, nil }

func (c *releaseCounter) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released++
	return nil
}

func (c *releaseCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.released
}

// TestTakeDelegatedCredentialRacesRelease: the middleware releasing the
// request's credential while a handler takes it (a handler that hands the
// identity to a goroutine and returns) must end one way or the other: the
// handler owns a live credential, or it gets ErrNoDelegation — never a
// credential that was already released.
func TestTakeDelegatedCredentialRacesRelease(t *testing.T) {
	cred := &releaseCounter{}
	id := &Identity{deleg: &delegated{cred: cred}}
	testHookTake = id.releaseDelegation // the release lands inside Take
	t.Cleanup(func() { testHookTake = nil })

	got, err := id.TakeDelegatedCredential()
	switch {
	case errors.Is(err, ErrNoDelegation):
		if cred.count() != 1 {
			t.Fatalf("credential released %d times, want once by the middleware", cred.count())
		}
	case err != nil:
		t.Fatal(err)
	default:
		if got != cred {
			t.Fatalf("took %v, want the delegated credential", got)
		}
		if n := cred.count(); n != 0 {
			t.Fatalf("TakeDelegatedCredential handed out a credential the middleware had released (%d releases)", n)
		}
	}
}
