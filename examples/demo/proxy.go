//go:build !windows

package main

import (
	"io"
	"net"
	"sync"

	"github.com/gssnego/gssnego/examples/sspisample"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/negotiate"
)

// startProxy relays one client connection to server, rewriting the SPNEGO
// tokens of the sample's framed exchange with attack; anything that is not
// a SPNEGO token (the server's final message) passes unchanged.
func startProxy(server string, attack mitm.Attack) (net.Listener, error) {
	l, err := net.Listen("tcp", demoHost+":0")
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
