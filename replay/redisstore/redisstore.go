// Package redisstore is a replay.Store on Redis or Valkey, so that the
// instances of a fleet (the same service, the same keytab, behind a load
// balancer) share one replay cache: an AP-REQ accepted by one instance is
// refused by every other within its lifetime.
//
// One check is one round trip, "SET <prefix><hex key> 1 NX PX <ttl ms>":
// Redis sets the key only when it is absent, atomically, and expires it
// itself; a nil reply means the key was there (a replay). The module is
// separate from gssnego's root module so that a program that never uses
// Redis never downloads a Redis client.
//
// # Outages
//
// Every wait is bounded: by the check's context (replay.Provider.Timeout)
// and by the client's dial, read and write timeouts (Options.Timeout), and
// a failed command is not retried. When Redis cannot answer, the check
// fails closed with a *replay.UnavailableError naming the store
// ("redis://host:port/db"), which httpauth answers with 503. With
// Options.Fallback set, the check goes to that local store instead for
// the duration of the outage (an AP-REQ replayed to another instance then
// passes, as with per-instance caches). The client reconnects by itself:
// when Redis is back, the next check uses it again, without a restart.
package redisstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gssnego/gssnego/replay"
)

// DefaultPrefix starts every key.
const DefaultPrefix = "gssnego:replay:"

// DefaultTimeout is the client's dial, read and write timeout.
const DefaultTimeout = time.Second

// Options configure New.
type Options struct {
	// Prefix starts every key; "" means DefaultPrefix. Instances sharing a
	// cache use the same prefix.
	Prefix string
	// Timeout bounds dialling and each read and write; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Fallback, when set, answers the checks Redis cannot (an outage)
	// instead of failing closed. Usually replay.NewMemory(0).
	Fallback replay.Store
}

// Store is a replay.Store on Redis.
type Store struct {
	client   redis.UniversalClient
	name     string
	prefix   string
	fallback replay.Store
	fellBack atomic.Int64
}

// New connects to the Redis named by url ("redis://[user:pass@]host:port/db",
// "rediss://" for TLS, "unix:///path?db=0"). It does not dial until the
// first check.
func New(url string, o Options) (*Store, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	t := o.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = t, t, t, t
	opt.MaxRetries = -1   // bounded: one try per check
	opt.DialerRetries = 1 // and one dial (a refused dial is not retried for 5 × 100 ms)
	opt.ContextTimeoutEnabled = true
	return NewFromClient(redis.NewClient(opt), redactURL(url, opt), o), nil
}

// NewFromClient uses a client the caller configured (a cluster, a
// sentinel failover client). name is how errors name the store.
func NewFromClient(c redis.UniversalClient, name string, o Options) *Store {
	p := o.Prefix
	if p == "" {
		p = DefaultPrefix
	}
	return &Store{client: c, name: name, prefix: p, fallback: o.Fallback}
}

func redactURL(url string, opt *redis.Options) string {
	scheme, _, _ := strings.Cut(url, "://")
	return fmt.Sprintf("%s://%s/%d", scheme, opt.Addr, opt.DB)
}

// String names the store (without credentials).
func (s *Store) String() string { return s.name }

// FallbackChecks counts the checks the fallback store answered.
func (s *Store) FallbackChecks() int64 { return s.fellBack.Load() }

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// CheckAndInsert implements replay.Store with SET NX PX.
func (s *Store) CheckAndInsert(ctx context.Context, key replay.Key, ttl time.Duration) error {
	var buf [len(DefaultPrefix) + 2*len(replay.Key{})]byte
	k := hex.AppendEncode(append(buf[:0], s.prefix...), key[:])
	ms := ttl.Milliseconds()
	if ms <= 0 {
		ms = 1
	}
	err := s.client.Do(ctx, "SET", string(k), "1", "NX", "PX", ms).Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return replay.ErrReplay
	}
	if s.fallback != nil {
		s.fellBack.Add(1)
		return s.fallback.CheckAndInsert(ctx, key, ttl)
	}
	return &replay.UnavailableError{Store: s.name, Err: err}
}
