package sshgss_test

import (
	"encoding/binary"
	"sync"

	"github.com/gssnego/gssnego/compat/ssh"
	"golang.org/x/crypto/ssh"
)

// Wrappers that make our own client or server misbehave the way a broken
// or hostile peer would, around the real x/crypto/ssh protocol code.

// clientHook wraps an sshgss.Client; nil hooks pass through.
type clientHook struct {
	*sshgss.Client
	forceDeleg bool                           // call InitSecContext with isGSSDelegCreds true
	outToken   func(i int, tok []byte) []byte // rewrite the i-th token sent
	afterToken func(i int)                    // called after the i-th token was produced
	micField   func(field []byte) []byte      // rewrite what the MIC is made over
	mic        func(mic []byte) []byte        // rewrite the MIC sent

	mu    sync.Mutex
	calls int
}

func (h *clientHook) InitSecContext(target string, token []byte, deleg bool) ([]byte, bool, error) {
	out, more, err := h.Client.InitSecContext(target, token, deleg || h.forceDeleg)
	h.mu.Lock()
	i := h.calls
	h.calls++
	h.mu.Unlock()
	if err == nil && h.outToken != nil {
		out = h.outToken(i, out)
	}
	if h.afterToken != nil {
		h.afterToken(i)
	}
	return out, more, err
}

func (h *clientHook) GetMIC(field []byte) ([]byte, error) {
	if h.micField != nil {
		field = h.micField(append([]byte(nil), field...))
	}
	mic, err := h.Client.GetMIC(field)
	if err == nil && h.mic != nil {
		mic = h.mic(mic)
	}
	return mic, err
}

// serverHook wraps an sshgss.Server; nil hooks pass through.
type serverHook struct {
	*sshgss.Server
	outToken func(tok []byte) []byte // rewrite the tokens sent
}

func (h *serverHook) AcceptSecContext(token []byte) ([]byte, string, bool, error) {
	out, name, more, err := h.Server.AcceptSecContext(token)
	if err == nil && h.outToken != nil && len(out) > 0 {
		out = h.outToken(out)
	}
	return out, name, more, err
}

var (
	_ ssh.GSSAPIClient = (*clientHook)(nil)
	_ ssh.GSSAPIServer = (*serverHook)(nil)
)

// flipLast flips the last byte: in an RFC 4121 MIC token that is the
// checksum, so the token still parses and only the verification fails.
func flipLast(b []byte) []byte {
	b = append([]byte(nil), b...)
	b[len(b)-1] ^= 0x01
	return b
}

// otherUser rewrites the user name in an RFC 4462 §3.5 MIC message
// (string session id, byte 50, string user, …) from "root" to "toor": a
// genuine MIC, but for another login than the one in progress.
func otherUser(f []byte) []byte {
	off := 4 + int(binary.BigEndian.Uint32(f)) + 1
	if string(f[off:off+8]) != "\x00\x00\x00\x04root" {
		panic("otherUser: user is not root")
	}
	copy(f[off+4:], "toor")
	return f
}
