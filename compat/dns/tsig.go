package dnsgss

import (
	"encoding/hex"
	"errors"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/gssnego/gssnego/gss"
)

// Algorithm names of GSS-TSIG. Both servers sign with the same MIC; they
// differ in the name only. BIND and Samba accept either; Windows DNS
// answers a TKEY for AlgGSSTSIG as well, but Windows clients send
// AlgMicrosoft, so that is what a Windows server is tested with most.
const (
	AlgGSSTSIG   = "gss-tsig."          // RFC 3645
	AlgMicrosoft = "gss.microsoft.com." // Windows 2000 and later
)

// validAlg reports whether name is one of the GSS-TSIG algorithm names.
func validAlg(name string) bool {
	n := dns.CanonicalName(name)
	return n == AlgGSSTSIG || n == AlgMicrosoft
}

// key is one established context, known to both sides by its key name.
// GSS contexts keep sequence state, so one MIC at a time.
type key struct {
	mu        sync.Mutex
	name      string // canonical key name
	alg       string
	ctx       gss.SecContext
	principal string // the initiator's name (server side)
}

func (k *key) mic(msg []byte) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ctx.GetMIC(msg)
}

func (k *key) verify(msg []byte, t *dns.TSIG) error {
	mac, err := hex.DecodeString(t.MAC)
	if err != nil || len(mac) == 0 {
		return &TSIGError{Code: dns.RcodeBadSig, In: "TSIG"}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	err = k.ctx.VerifyMIC(msg, mac)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gss.ErrDuplicateToken), errors.Is(err, gss.ErrOldToken):
		// A replay, or too old to tell.
	case errors.Is(err, gss.ErrGapToken), errors.Is(err, gss.ErrUnseqToken):
		// Genuine, but a message before it never arrived or came late
		// (a client that gave up on a reply, two connections at once):
		// DNS messages are independent, so only replays are refused.
		return nil
	}
	return &micError{err: err}
}

// micError is a MIC that did not verify; it is BADSIG on the wire.
type micError struct{ err error }

func (e *micError) Error() string { return "TSIG MIC does not verify: " + e.err.Error() }
func (e *micError) Unwrap() error { return e.err }
func (e *micError) Is(target error) bool {
	t, ok := target.(*TSIGError)
	return ok && t.Code == dns.RcodeBadSig
}

// keyring maps key names to contexts: the TsigProvider of both Client and
// Server.
type keyring struct {
	mu   sync.Mutex
	keys map[string]*key
}

func (r *keyring) get(name string) *key {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[strings.ToLower(dns.CanonicalName(name))]
}

func (r *keyring) put(k *key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]*key{}
	}
	if old := r.keys[k.name]; old != nil && old != k {
		old.ctx.Close()
	}
	r.keys[k.name] = k
}

func (r *keyring) drop(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := strings.ToLower(dns.CanonicalName(name))
	if k := r.keys[n]; k != nil {
		k.ctx.Close()
		delete(r.keys, n)
	}
}

func (r *keyring) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for n, k := range r.keys {
		k.ctx.Close()
		delete(r.keys, n)
	}
}

// Generate implements dns.TsigProvider: msg is the message and the TSIG
// variables (RFC 8945 §4.3.3), with the request's MAC first in a reply,
// and the MAC is the GSS MIC over them (RFC 3645 §3.2).
func (r *keyring) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	if !validAlg(t.Algorithm) {
		return nil, &TSIGError{Code: dns.RcodeBadAlg, In: "TSIG"}
	}
	k := r.get(t.Hdr.Name)
	if k == nil {
		return nil, &TSIGError{Code: dns.RcodeBadKey, In: "TSIG"}
	}
	return k.mic(msg)
}

// Verify implements dns.TsigProvider. An unknown key name is BADKEY, a MIC
// that does not verify (changed, replayed or out of sequence) BADSIG.
func (r *keyring) Verify(msg []byte, t *dns.TSIG) error {
	if !validAlg(t.Algorithm) {
		return &TSIGError{Code: dns.RcodeBadAlg, In: "TSIG"}
	}
	k := r.get(t.Hdr.Name)
	if k == nil {
		return &TSIGError{Code: dns.RcodeBadKey, In: "TSIG"}
	}
	return k.verify(msg, t)
}
