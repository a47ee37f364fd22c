//go:build linux && race

package soak

// raceEnabled: the race detector keeps shadow memory it never returns;
// measured here about 20 KiB of RSS per HTTP request or handshake.
const raceEnabled = true
