//go:build linux

package soak

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// HandshakeResult is what one half of the handshake phase did.
type HandshakeResult struct {
	Done     int
	Errors   int
	FirstErr error
	Lat      Latencies
	Elapsed  time.Duration
}

// Handshakes runs n in-process SPNEGO handshakes of the Go engine across
// workers goroutines, each a fresh initiator and acceptor over p towards
// target, both closed afterwards. Every fourth handshake sends no
// optimistic token, so the mechanism needs an extra leg and both sides
// exchange and verify the mechListMIC (GetMIC, VerifyMIC); the others are
// the two-token optimistic Kerberos exchange.
func Handshakes(p gss.Provider, target gss.Name, n, workers int) HandshakeResult {
	var (
		next, errs atomic.Int64
		mu         sync.Mutex
		res        = HandshakeResult{Lat: Latencies{}}
		wg         sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := Latencies{}
			for {
				i := next.Add(1)
				if i > int64(n) {
					break
				}
				kind := "optimistic"
				cfg := negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}}
				if i%4 == 0 {
					kind, cfg.NoOptimisticToken = "extra-leg", true
				}
				t0 := time.Now()
				err := handshake(target, cfg)
				if err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						res.FirstErr = fmt.Errorf("handshake %d (%s): %w", i, kind, err)
						mu.Unlock()
					}
					continue
				}
				lat[kind] = append(lat[kind], time.Since(t0))
			}
			mu.Lock()
			res.Lat.Merge(lat)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Errors = int(errs.Load())
	res.Done = n - res.Errors
	return res
}

// handshake runs one exchange to completion on both sides.
func handshake(target gss.Name, cfg negotiate.Config) error {
	c, err := negotiate.NewClient(target, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := negotiate.NewServer(negotiate.Config{Provider: cfg.Provider})
	if err != nil {
		return err
	}
	defer s.Close()
	tok, err := c.Continue(nil)
	for legs := 0; err == nil && len(tok) > 0; legs++ {
		if legs == 8 {
			return errors.New("soak: more than 8 legs")
		}
		var reply []byte
		if reply, err = s.Continue(tok); err != nil || len(reply) == 0 {
			break
		}
		tok, err = c.Continue(reply)
	}
	switch {
	case err != nil:
		return err
	case c.ContinueNeeded() || s.ContinueNeeded():
		return errors.New("soak: exchange ended before both sides completed")
	}
	return nil
}
