//go:build linux

package main

import "github.com/gssnego/gssnego/internal/pcaprec"

// startCapture records the demo's traffic on lo: every demo server listens
// on host, so "host H" keeps other loopback traffic on this machine (the
// KDC, anything else running) out of the capture. stop ends the recording
// and returns the file.
func startCapture(dir, host string) (stop func() string, err error) {
	r, err := pcaprec.Record(dir, "tcp and host "+host)
	if err != nil {
		return nil, err
	}
	return r.Stop, nil
}

var errNoTcpdump = pcaprec.ErrNoTcpdump
