//go:build linux

package main

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// tokenPool holds the Authorization header values of n distinct initial
// SPNEGO tokens (NegTokenInit carrying an optimistic AP-REQ), made before
// the timed phase so that the load generator spends no Kerberos work.
type tokenPool struct {
	headers [][]byte // "Negotiate <base64>"
	took    time.Duration
}

// makeTokens runs n initiator contexts of our Go engine for service
// (HTTP@localhost) on every core and keeps their first tokens. Each AP-REQ
// carries its own authenticator (MIT makes the timestamps strictly
// increasing within a process), so a replay cache accepts each once. The
// contexts are closed at once: the AP-REP the server answers is never
// verified, which is the client's work the benchmark leaves out.
func makeTokens(p gss.Provider, service string, n int) (*tokenPool, error) {
	start := time.Now()
	name, err := p.ImportName(service, gss.NameHostBasedService)
	if err != nil {
		return nil, fmt.Errorf("capacity: import %s: %w", service, err)
	}
	defer name.Release()
	pool := &tokenPool{headers: make([][]byte, n)}
	workers := runtime.GOMAXPROCS(0)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				h, err := oneToken(p, name)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("capacity: token %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				pool.headers[i] = h
			}
		}()
	}
	wg.Wait()
	pool.took = time.Since(start)
	return pool, firstErr
}

func oneToken(p gss.Provider, name gss.Name) ([]byte, error) {
	c, err := negotiate.NewClient(name, negotiate.Config{Provider: p})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out, err := c.Continue(nil)
	if err != nil {
		return nil, err
	}
	const prefix = "Negotiate "
	h := make([]byte, len(prefix)+base64.StdEncoding.EncodedLen(len(out)))
	copy(h, prefix)
	base64.StdEncoding.Encode(h[len(prefix):], out)
	return h, nil
}
