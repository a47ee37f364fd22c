//go:build !linux && !windows

package main

import "errors"

// startCapture: internal/pcaprec runs tcpdump on Linux's lo only.
func startCapture(dir, host string) (stop func() string, err error) {
	return nil, errors.New("recording is implemented for Linux only (internal/pcaprec)")
}

var errNoTcpdump = errors.New("no tcpdump")
