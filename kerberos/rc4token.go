package kerberos

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"encoding/binary"

	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// RFC 4757 §7 per-message tokens for rc4-hmac keys: the RFC 1964 token
// layout (GSS-framed, TOK_ID 01 01 for MIC and 02 01 for wrap) with
// HMAC-MD5 checksums, an RC4-encrypted sequence number and RC4 sealing.
// Written here: gokrb5 has the rc4-hmac profile but not these tokens.

const (
	tokMIC1964  = 0x0101
	tokWrap1964 = 0x0201

	rc4UsageSeal = 13 // MIT's KG_USAGE_SEAL as RFC 4757 numbers it
	rc4UsageSign = 15 // KG_USAGE_SIGN
)

func hmacMD5(key []byte, parts ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// rc4Checksum is the HMAC-MD5 checksum of RFC 4757 §4, truncated to 8.
func rc4Checksum(key []byte, usage uint32, parts ...[]byte) []byte {
	ksign := hmacMD5(key, []byte("signaturekey\x00"))
	var u [4]byte
	binary.LittleEndian.PutUint32(u[:], usage)
	h := md5.New()
	h.Write(u[:])
	for _, p := range parts {
		h.Write(p)
	}
	return hmacMD5(ksign, h.Sum(nil))[:8]
}

func rc4XOR(key, b []byte) {
	c, _ := rc4.NewCipher(key) // key is a 16-byte HMAC-MD5 output
	c.XORKeyStream(b, b)
}

// rc4SeqKey is Kseq: HMAC(HMAC(key, 0), checksum).
func rc4SeqKey(key, cksum []byte) []byte {
	return hmacMD5(hmacMD5(key, []byte{0, 0, 0, 0}), cksum)
}

// rc4SealKey is Kcrypt: HMAC(HMAC(key ^ 0xF0, 0), seq number big-endian).
func rc4SealKey(key, seqBE []byte) []byte {
	local := make([]byte, len(key))
	for i, b := range key {
		local[i] = b ^ 0xf0
	}
	return hmacMD5(hmacMD5(local, []byte{0, 0, 0, 0}), seqBE)
}

// rc4Seq is SND_SEQ in the clear: the number big-endian, then the
// direction (zeros from the initiator, ff from the acceptor).
func rc4Seq(seq uint64, fromInitiator bool) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, uint32(seq))
	if !fromInitiator {
		copy(b[4:], []byte{0xff, 0xff, 0xff, 0xff})
	}
	return b
}

func (c *secContext) rc4GetMIC(k *types.EncryptionKey, msg []byte) []byte {
	hdr := []byte{0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff}
	cksum := rc4Checksum(k.KeyValue, rc4UsageSign, hdr, msg)
	seq := rc4Seq(c.sendSeq, c.initiator)
	rc4XOR(rc4SeqKey(k.KeyValue, cksum), seq)
	c.sendSeq++
	return frame(tokMIC1964, append(append(hdr[2:], seq...), cksum...))
}

// rc4Open checks a received token's framing, sequence number and
// direction; it returns the inner token after TOK_ID and the sequence number.
func (c *secContext) rc4Open(op string, tok []byte, want uint16) (inner []byte, seqPlain []byte, err error) {
	id, body, ferr := unframe(tok)
	if ferr != nil || id != want || len(body) < 22 {
		return nil, nil, kerr(op, gss.StatusDefectiveToken, 0, "not an RFC 4757 token")
	}
	return body, nil, nil
}

func (c *secContext) rc4VerifyMIC(op string, k *types.EncryptionKey, msg, tok []byte) error {
	body, _, err := c.rc4Open(op, tok, tokMIC1964)
	if err != nil {
		return err
	}
	// body: SGN_ALG(2) filler(4) SND_SEQ(8) SGN_CKSUM(8)
	if len(body) != 22 || body[0] != 0x11 || body[1] != 0 || binary.BigEndian.Uint32(body[2:6]) != 0xffffffff {
		return kerr(op, gss.StatusDefectiveToken, 0, "RFC 4757 MIC token: bad header")
	}
	hdr := append([]byte{0x01, 0x01}, body[:6]...)
	cksum := body[14:22]
	if !hmac.Equal(cksum, rc4Checksum(k.KeyValue, rc4UsageSign, hdr, msg)) {
		return kerr(op, gss.StatusBadMIC, 0, "MIC does not verify")
	}
	return c.rc4CheckSeq(op, k, body[6:14], cksum)
}

func (c *secContext) rc4CheckSeq(op string, k *types.EncryptionKey, encSeq, cksum []byte) error {
	seq := append([]byte{}, encSeq...)
	rc4XOR(rc4SeqKey(k.KeyValue, cksum), seq)
	want := rc4Seq(0, !c.initiator)
	if !hmac.Equal(seq[4:], want[4:]) {
		return kerr(op, gss.StatusBadMIC, 0, "token's direction says it was sent by this side (a reflected token)")
	}
	return c.checkSeq(op, uint64(binary.BigEndian.Uint32(seq)))
}

func (c *secContext) rc4Wrap(k *types.EncryptionKey, msg []byte, conf bool) ([]byte, error) {
	hdr := []byte{0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xff, 0xff}
	if !conf {
		hdr[4], hdr[5] = 0xff, 0xff
	}
	confounder := make([]byte, 8)
	if _, err := rand.Read(confounder); err != nil {
		return nil, err
	}
	data := append(append([]byte{}, msg...), 0x01) // one byte of padding: RC4's block size is 1
	cksum := rc4Checksum(k.KeyValue, rc4UsageSeal, hdr, confounder, data)
	seqPlain := rc4Seq(c.sendSeq, c.initiator)
	if conf {
		ck := rc4SealKey(k.KeyValue, seqPlain[:4])
		cd := append(confounder, data...)
		rc4XOR(ck, cd)
		confounder, data = cd[:8], cd[8:]
	}
	seq := append([]byte{}, seqPlain...)
	rc4XOR(rc4SeqKey(k.KeyValue, cksum), seq)
	c.sendSeq++
	inner := append(append(append(append(hdr[2:], seq...), cksum...), confounder...), data...)
	return frame(tokWrap1964, inner), nil
}

func (c *secContext) rc4Unwrap(op string, k *types.EncryptionKey, tok []byte) ([]byte, bool, error) {
	body, _, err := c.rc4Open(op, tok, tokWrap1964)
	if err != nil {
		return nil, false, err
	}
	// body: SGN_ALG(2) SEAL_ALG(2) filler(2) SND_SEQ(8) SGN_CKSUM(8) confounder(8) data
	if len(body) < 31 || body[0] != 0x11 || body[1] != 0 || body[4] != 0xff || body[5] != 0xff {
		return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "RFC 4757 wrap token: bad header")
	}
	var conf bool
	switch {
	case body[2] == 0x10 && body[3] == 0:
		conf = true
	case body[2] == 0xff && body[3] == 0xff:
	default:
		return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "RFC 4757 wrap token: unknown SEAL_ALG")
	}
	hdr := append([]byte{0x02, 0x01}, body[:6]...)
	cksum := body[14:22]
	seq := append([]byte{}, body[6:14]...)
	rc4XOR(rc4SeqKey(k.KeyValue, cksum), seq)
	cd := append([]byte{}, body[22:]...)
	if conf {
		rc4XOR(rc4SealKey(k.KeyValue, seq[:4]), cd)
	}
	confounder, data := cd[:8], cd[8:]
	if !hmac.Equal(cksum, rc4Checksum(k.KeyValue, rc4UsageSeal, hdr, confounder, data)) {
		return nil, false, kerr(op, gss.StatusBadMIC, 0, "wrap token checksum does not verify")
	}
	want := rc4Seq(0, !c.initiator)
	if !hmac.Equal(seq[4:], want[4:]) {
		return nil, false, kerr(op, gss.StatusBadMIC, 0, "token's direction says it was sent by this side (a reflected token)")
	}
	pad := int(data[len(data)-1])
	if pad < 1 || pad > 8 || pad > len(data) {
		return nil, false, kerr(op, gss.StatusDefectiveToken, 0, "RFC 4757 wrap token: bad padding")
	}
	if err := c.checkSeq(op, uint64(binary.BigEndian.Uint32(seq))); err != nil {
		return nil, false, err
	}
	return data[:len(data)-pad], conf, nil
}
