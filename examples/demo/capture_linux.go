//go:build linux

package main

import (
	"sync"

	"github.com/gssnego/gssnego/internal/pcaprec"
)

// startCapture records the demo's traffic on lo: every demo server listens
// on host, so "host H" keeps other loopback traffic on this machine (the
// KDC, anything else running) out of the capture. stop ends the recording
// and returns the file; it may be called again.
func startCapture(dir, host string) (stop func() string, err error) {
	r, err := pcaprec.Record(dir, "tcp and host "+host)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func() string {
		once.Do(func() {
			// Every packet of the demo must be in the file before tcpdump
			// stops; if the marker does not arrive, the audit shows what
			// is missing.
			r.Sync(host)
			r.Stop()
		})
		return r.Path
	}, nil
}

var errNoTcpdump = pcaprec.ErrNoTcpdump
