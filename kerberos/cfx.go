package kerberos

import (
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"hash"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/common"
	"github.com/jcmturner/gokrb5/v8/crypto/etype"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// RFC 4121 §4.2 per-message tokens (CFX). Written here rather than taken
// from gokrb5's gssapi package, which has neither the acceptor-subkey
// choice on receipt, nor RRC rotation, nor sequence checks.

const (
	tokMIC  = 0x0404
	tokWrap = 0x0504

	cfxSentByAcceptor = 0x01
	cfxSealed         = 0x02
	cfxAcceptorSubkey = 0x04

	usageAcceptorSeal  = 22
	usageAcceptorSign  = 23
	usageInitiatorSeal = 24
	usageInitiatorSign = 25
)

// protKey is the key that protects our tokens: the acceptor subkey when
// there is one, else the initiator subkey, else the ticket session key.
func (c *secContext) protKey() *types.EncryptionKey {
	switch {
	case c.accSubkey != nil:
		return c.accSubkey
	case c.initSubkey != nil:
		return c.initSubkey
	case c.sessionKey.KeyType != 0:
		return &c.sessionKey
	}
	return nil
}

// peerKey is the key of a received token, by its AcceptorSubkey flag.
func (c *secContext) peerKey(tokFlags byte) *types.EncryptionKey {
	if tokFlags&cfxAcceptorSubkey != 0 {
		return c.accSubkey
	}
	if c.initSubkey != nil {
		return c.initSubkey
	}
	if c.sessionKey.KeyType != 0 {
		return &c.sessionKey
	}
	return nil
}

// ready checks the context can protect messages and returns the key and
// its profile.
func (c *secContext) ready(op string) (*types.EncryptionKey, etype.EType, error) {
	if c.closed {
		return nil, nil, kerr(op, gss.StatusNoContext, 0, "security context used after Close")
	}
	k := c.protKey()
	if k == nil || (!c.established && c.failed == nil && !c.initiator) {
		return nil, nil, kerr(op, gss.StatusNoContext, 0, "security context not established")
	}
	if e := gss.Enctype(k.KeyType); !e.UsesRFC4121Tokens() && e != gss.EnctypeRC4HMAC {
		return nil, nil, kerr(op, gss.StatusUnavailable, 0, "per-message tokens for %s are not supported", e)
	}
	et, err := crypto.GetEtype(k.KeyType)
	if err != nil {
		return nil, nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	return k, et, nil
}

func (c *secContext) ourFlags() byte {
	var f byte
	if !c.initiator {
		f |= cfxSentByAcceptor
	}
	if c.accSubkey != nil {
		f |= cfxAcceptorSubkey
	}
	return f
}

func (c *secContext) usage(seal, sending bool) uint32 {
	initiatorSent := c.initiator == sending
	switch {
	case seal && initiatorSent:
		return usageInitiatorSeal
	case seal:
		return usageAcceptorSeal
	case initiatorSent:
		return usageInitiatorSign
	}
	return usageAcceptorSign
}

// GetMIC implements gss.SecContext.
func (c *secContext) GetMIC(msg []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, et, err := c.ready("GetMIC")
	if err != nil {
		return nil, err
	}
	if k.KeyType == int32(gss.EnctypeRC4HMAC) {
		return c.rc4GetMIC(k, msg), nil
	}
	hdr := make([]byte, 16, 16+et.GetHMACBitLength()/8)
	binary.BigEndian.PutUint16(hdr, tokMIC)
	hdr[2] = c.ourFlags()
	for i := 3; i < 8; i++ {
		hdr[i] = 0xff
	}
	binary.BigEndian.PutUint64(hdr[8:], c.sendSeq)
	sum, err := c.checksum(et, k, c.usage(false, true), msg, hdr)
	if err != nil {
		return nil, kerr("GetMIC", gss.StatusFailure, 0, "%v", err)
	}
	c.sendSeq++
	return append(hdr, sum...), nil
}

// VerifyMIC implements gss.SecContext.
func (c *secContext) VerifyMIC(msg, mic []byte) error {
	const op = "VerifyMIC"
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, _, err := c.ready(op); err != nil {
		return err
	} else if k.KeyType == int32(gss.EnctypeRC4HMAC) {
		return c.rc4VerifyMIC(op, k, msg, mic)
	}
	if len(mic) < 16 || binary.BigEndian.Uint16(mic) != tokMIC {
		return kerr(op, gss.StatusDefectiveToken, 0, "not an RFC 4121 MIC token")
	}
	for i := 3; i < 8; i++ {
		if mic[i] != 0xff {
			return kerr(op, gss.StatusDefectiveToken, 0, "MIC token filler is not ff")
		}
	}
	if err := c.checkDirection(op, mic[2]); err != nil {
		return err
	}
	k, et, err := c.keyOf(op, mic[2])
	if err != nil {
		return err
	}
	want, err := c.checksum(et, k, c.usage(false, false), msg, mic[:16])
	if err != nil || !hmac.Equal(want, mic[16:]) {
		return kerr(op, gss.StatusBadMIC, 0, "MIC does not verify")
	}
	return c.checkSeq(op, binary.BigEndian.Uint64(mic[8:16]))
}

func (c *secContext) checkDirection(op string, f byte) error {
	fromAcceptor := f&cfxSentByAcceptor != 0
	if fromAcceptor != c.initiator {
		return kerr(op, gss.StatusBadMIC, 0, "token's direction flag says it was sent by this side (a reflected token)")
	}
	return nil
}

func (c *secContext) keyOf(op string, f byte) (*types.EncryptionKey, etype.EType, error) {
	k := c.peerKey(f)
	if k == nil {
		return nil, nil, kerr(op, gss.StatusDefectiveToken, 0, "token uses the acceptor subkey, which this context does not have")
	}
	et, err := crypto.GetEtype(k.KeyType)
	if err != nil {
		return nil, nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	return k, et, nil
}

// checkSeq accepts a sequence number at or after the next expected one
// when replay or sequence detection was granted (a gap is tolerated: MIT
// reports it only as supplementary information).
func (c *secContext) checkSeq(op string, seq uint64) error {
	if c.flags&(gss.FlagReplay|gss.FlagSequence) != 0 && seq < c.recvSeq {
		return kerr(op, gss.StatusDuplicateToken|gss.StatusOldToken, 0, "token sequence number %d already seen or too old (next %d)", seq, c.recvSeq)
	}
	if seq >= c.recvSeq {
		c.recvSeq = seq + 1
	}
	return nil
}

// Wrap implements gss.SecContext: RFC 4121 §4.2.4, RRC 0, EC 0 when sealed.
func (c *secContext) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wrap("Wrap", msg, conf, false)
}

// WrapIOV wraps msg split the way Windows EncryptMessage lays out a
// Kerberos message (SECBUFFER_TOKEN + SECBUFFER_DATA, the sockets
// sample's layout): token is the RFC 4121 header with the encrypted header
// copy, checksum and confounder rotated into it (RRC), data the encrypted
// (or, without conf, plain) message of the same length. For RFC 4757
// contexts data is the end of the token: the message and its padding.
func (c *secContext) WrapIOV(msg []byte, conf bool) (token, data []byte, confState bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tok, cs, err := c.wrap("WrapIOV", msg, conf, true)
	if err != nil {
		return nil, nil, false, err
	}
	n := len(msg)
	if k := c.protKey(); k != nil && k.KeyType == int32(gss.EnctypeRC4HMAC) {
		n++ // the padding byte
	}
	return tok[:len(tok)-n], tok[len(tok)-n:], cs, nil
}

// UnwrapIOV reverses WrapIOV (and Windows' EncryptMessage).
func (c *secContext) UnwrapIOV(token, data []byte) ([]byte, bool, error) {
	return c.Unwrap(append(append([]byte{}, token...), data...))
}

func (c *secContext) wrap(op string, msg []byte, conf, iov bool) ([]byte, bool, error) {
	k, et, err := c.ready(op)
	if err != nil {
		return nil, false, err
	}
	if k.KeyType == int32(gss.EnctypeRC4HMAC) {
		tok, err := c.rc4Wrap(k, msg, conf)
		if err != nil {
			return nil, false, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		return tok, conf, nil
	}
	hdr := make([]byte, 16)
	binary.BigEndian.PutUint16(hdr, tokWrap)
	hdr[2] = c.ourFlags()
	hdr[3] = 0xff
	binary.BigEndian.PutUint64(hdr[8:], c.sendSeq)
	if conf {
		hdr[2] |= cfxSealed
		plain := append(append([]byte{}, msg...), hdr...)
		_, ct, err := et.EncryptMessage(k.KeyValue, plain, c.usage(true, true))
		if err != nil {
			return nil, false, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		c.sendSeq++
		if iov {
			// Rotate the encrypted header copy and the checksum to the front.
			rrc := 16 + et.GetHMACBitLength()/8
			binary.BigEndian.PutUint16(hdr[6:], uint16(rrc))
			ct = append(append([]byte{}, ct[len(ct)-rrc:]...), ct[:len(ct)-rrc]...)
		}
		return append(hdr, ct...), true, nil
	}
	// Integrity only: the checksum covers msg | header with EC and RRC 0.
	sum, err := c.checksum(et, k, c.usage(true, true), msg, hdr)
	if err != nil {
		return nil, false, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	binary.BigEndian.PutUint16(hdr[4:], uint16(len(sum)))
	c.sendSeq++
	if iov {
		binary.BigEndian.PutUint16(hdr[6:], uint16(len(sum)))
		return append(append(hdr, sum...), msg...), false, nil
	}
	out := append(hdr, msg...)
	return append(out, sum...), false, nil
}

// Unwrap implements gss.SecContext, undoing any RRC rotation and EC filler.
func (c *secContext) Unwrap(tok []byte) ([]byte, bool, error) {
	const op = "Unwrap"
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, _, err := c.ready(op); err != nil {
		return nil, false, err
	} else if k.KeyType == int32(gss.EnctypeRC4HMAC) {
		return c.rc4Unwrap(op, k, tok)
	}
	if len(tok) < 16 || binary.BigEndian.Uint16(tok) != tokWrap || tok[3] != 0xff {
		return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "not an RFC 4121 wrap token")
	}
	f := tok[2]
	if err := c.checkDirection(op, f); err != nil {
		return nil, false, err
	}
	k, et, err := c.keyOf(op, f)
	if err != nil {
		return nil, false, err
	}
	ec := int(binary.BigEndian.Uint16(tok[4:]))
	rrc := int(binary.BigEndian.Uint16(tok[6:]))
	seq := binary.BigEndian.Uint64(tok[8:16])
	body := unrotate(tok[16:], rrc)
	if f&cfxSealed != 0 {
		var plain []byte
		err := errShort
		if len(body) >= et.GetConfounderByteSize()+16+et.GetHMACBitLength()/8 {
			err = guard(func() (err error) {
				plain, err = et.DecryptMessage(k.KeyValue, body, c.usage(true, false))
				return err
			})
		}
		if err != nil {
			return nil, false, kerr(op, gss.StatusBadMIC, 0, "wrap token does not decrypt: %v", err)
		}
		if len(plain) < 16+ec {
			return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "sealed wrap token too short")
		}
		inner := plain[len(plain)-16:]
		// The encrypted header copy has RRC 0; everything else equals the outer header.
		if binary.BigEndian.Uint16(inner) != tokWrap || inner[2] != f || inner[3] != 0xff ||
			binary.BigEndian.Uint16(inner[4:]) != uint16(ec) || !hmac.Equal(inner[8:16], tok[8:16]) {
			return nil, false, kerr(op, gss.StatusBadMIC, 0, "sealed wrap token's inner header differs")
		}
		if err := c.checkSeq(op, seq); err != nil {
			return nil, false, err
		}
		return plain[:len(plain)-16-ec], true, nil
	}
	cl := et.GetHMACBitLength() / 8
	if ec != cl || len(body) < cl {
		return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "integrity wrap token: EC %d, checksum is %d bytes", ec, cl)
	}
	msg := body[:len(body)-cl]
	hdr := append([]byte{}, tok[:16]...)
	hdr[4], hdr[5], hdr[6], hdr[7] = 0, 0, 0, 0
	if want, err := c.checksum(et, k, c.usage(true, false), msg, hdr); err != nil || !hmac.Equal(want, body[len(body)-cl:]) {
		return nil, false, kerr(op, gss.StatusBadMIC, 0, "wrap token checksum does not verify")
	}
	if err := c.checkSeq(op, seq); err != nil {
		return nil, false, err
	}
	return append([]byte{}, msg...), false, nil
}

var errShort = errors.New("ciphertext too short")

// unrotate undoes a right rotation by rrc (RFC 4121 §4.2.5).
func unrotate(b []byte, rrc int) []byte {
	if len(b) == 0 {
		return nil
	}
	rrc %= len(b)
	out := make([]byte, 0, len(b))
	out = append(out, b[rrc:]...)
	return append(out, b[:rrc]...)
}

// WrapSizeLimit implements gss.SecContext.
func (c *secContext) WrapSizeLimit(conf bool, maxToken int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, et, err := c.ready("WrapSizeLimit")
	if err != nil {
		return 0, err
	}
	if k.KeyType == int32(gss.EnctypeRC4HMAC) {
		// framing (at most 17 bytes), 30 of header and confounder, 1 of padding
		return max(maxToken-48, 0), nil
	}
	n := maxToken - 16 - et.GetHMACBitLength()/8
	if conf {
		n -= 16 + et.GetConfounderByteSize()
	}
	if n < 0 {
		n = 0
	}
	return n, nil
}

// checksum is the RFC 3961 keyed checksum of parts (HMAC with the usage's
// derived key Kc, truncated), with Kc derived and keyed once per context,
// key and usage (calls are serialised by the context's lock): gokrb5 derives it on every call, which made GetMIC 5× slower than
// MIT's.
func (c *secContext) checksum(et etype.EType, k *types.EncryptionKey, usage uint32, parts ...[]byte) ([]byte, error) {
	ck := kcKey{string(k.KeyValue), usage}
	h, ok := c.kc[ck]
	if !ok {
		kc, err := et.DeriveKey(k.KeyValue, common.GetUsageKc(usage))
		if err != nil {
			return nil, err
		}
		if c.kc == nil {
			c.kc = map[kcKey]hash.Hash{}
		}
		h = hmac.New(et.GetHashFunc(), kc)
		c.kc[ck] = h
	}
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)[:et.GetHMACBitLength()/8], nil
}

type kcKey struct {
	key   string
	usage uint32
}
