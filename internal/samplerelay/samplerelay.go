// Package samplerelay is a man in the middle for the MSDN sockets sample
// protocol (internal/sspisample): it relays one client connection to the
// server and rewrites every SPNEGO token of the framed exchange with an
// internal/mitm attack; what is not a SPNEGO token (the server's final
// sealed message) passes unchanged. The demo (part 3) and the capture
// tests (live strip attacks recorded with tcpdump) share it.
package samplerelay

import (
	"io"
	"net"
	"sync"

	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/negotiate"
)

// Start listens on host (an IP address, port chosen by the system) and
// relays the first connection it accepts to server through attack. Close
// the listener to stop it; the relay ends when both directions have.
func Start(host, server string, attack mitm.Attack) (net.Listener, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	go func() {
		client, err := l.Accept()
		if err != nil {
			return
		}
		defer client.Close()
		upstream, err := net.Dial("tcp", server)
		if err != nil {
			return
		}
		defer upstream.Close()
		var mu sync.Mutex
		idx := 0
		rewrite := func(d mitm.Direction, tok []byte) []byte {
			mu.Lock()
			defer mu.Unlock()
			out := attack.Rewrite(d, idx, tok)
			idx++
			return out
		}
		done := make(chan struct{}, 2)
		pipe := func(dst, src net.Conn, d mitm.Direction) {
			defer func() { done <- struct{}{} }()
			relayFrames(dst, src, func(tok []byte) []byte { return rewrite(d, tok) })
			// Half-close so the other side sees EOF, as it would from the peer.
			if tc, ok := dst.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}
		go pipe(upstream, client, mitm.InitiatorToAcceptor)
		go pipe(client, upstream, mitm.AcceptorToInitiator)
		<-done
		<-done
	}()
	return l, nil
}

// relayFrames copies frames from src to dst through f until src ends or
// sends something that is not a SPNEGO token; then it copies the rest as is.
func relayFrames(dst io.Writer, src io.Reader, f func([]byte) []byte) {
	for {
		tok, err := sspisample.ReadFrame(src, sspisample.DefaultMaxToken)
		if err != nil {
			return
		}
		if _, perr := negotiate.Parse(tok); perr != nil {
			// The final [tlen][trailer][ciphertext]: its first bytes read as a frame.
			if sspisample.WriteFrame(dst, tok) == nil {
				io.Copy(dst, src)
			}
			return
		}
		if sspisample.WriteFrame(dst, f(tok)) != nil {
			return
		}
	}
}
