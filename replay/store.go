package replay

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// Key identifies one AP-REQ: SHA-256 of its authenticator cipher text.
type Key [sha256.Size]byte

// KeyOf hashes an authenticator cipher text into its Key.
func KeyOf(authenticatorCipher []byte) Key { return sha256.Sum256(authenticatorCipher) }

// Store is a replay cache. CheckAndInsert records key for ttl and says
// whether it was already there, in one atomic step (two acceptors checking
// the same key at once: exactly one gets nil). It returns nil for a key not
// seen before, an error matching ErrReplay for one still recorded, and an
// *UnavailableError when the store cannot answer (unreachable, full, ctx
// ended); any wait is bounded by ctx.
type Store interface {
	CheckAndInsert(ctx context.Context, key Key, ttl time.Duration) error
}

// ErrReplay is what a Store returns for a key it already holds.
var ErrReplay = errors.New("replay: request is a replay")

// UnavailableError is a Store's error when it cannot tell whether a key is
// new. Store names the store for the message an operator reads
// ("redis://10.0.0.5:6379/0", "memory").
type UnavailableError struct {
	Store string
	Err   error
}

func (e *UnavailableError) Error() string {
	return "replay: replay cache " + e.Store + " unavailable: " + e.Err.Error()
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// DefaultClockSkew is the Kerberos default (krb5.conf clockskew).
const DefaultClockSkew = 5 * time.Minute

// Margin is added to twice the skew in TTL.
const Margin = time.Minute

// TTL is how long an entry must live for an acceptor allowing skew:
// 2·skew + Margin (see the package documentation). skew <= 0 means
// DefaultClockSkew.
func TTL(skew time.Duration) time.Duration {
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	return 2*skew + Margin
}
