package kerberos

import (
	"errors"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/jcmturner/gokrb5/v8/types"
)

// gokrb5 parses AP-REP but cannot build one (its SPNEGO service never
// sends it); the acceptor builds it here on cryptobyte.

func explicit(n int) asn1.Tag { return asn1.Tag(n).Constructed().ContextSpecific() }

func application(n int) asn1.Tag { return asn1.Tag(0x60 | n) }

// marshalEncAPRepPart is EncAPRepPart ::= [APPLICATION 27] SEQUENCE {
// ctime [0], cusec [1], subkey [2] OPTIONAL, seq-number [3] OPTIONAL }.
func marshalEncAPRepPart(ctime time.Time, cusec int, subkey *types.EncryptionKey, seq uint32) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(application(27), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1GeneralizedTime(ctime.UTC().Truncate(time.Second)) })
			b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(cusec)) })
			if subkey != nil {
				b.AddASN1(explicit(2), func(b *cryptobyte.Builder) { addEncryptionKey(b, *subkey) })
			}
			b.AddASN1(explicit(3), func(b *cryptobyte.Builder) { b.AddASN1Uint64(uint64(seq)) })
		})
	})
	return b.Bytes()
}

func addEncryptionKey(b *cryptobyte.Builder, k types.EncryptionKey) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(k.KeyType)) })
		b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1OctetString(k.KeyValue) })
	})
}

// marshalAPRep is AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0] 5,
// msg-type [1] 15, enc-part [2] EncryptedData } (no kvno: session key).
func marshalAPRep(etype int32, cipher []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(application(15), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(5) })
			b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1Int64(15) })
			b.AddASN1(explicit(2), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(etype)) })
					b.AddASN1(explicit(2), func(b *cryptobyte.Builder) { b.AddASN1OctetString(cipher) })
				})
			})
		})
	})
	return b.Bytes()
}

// encAPRep is what the initiator needs from the decrypted EncAPRepPart.
type encAPRep struct {
	ctime  time.Time
	cusec  int64
	subkey *types.EncryptionKey
	seq    uint32
	hasSeq bool
}

var errEncAPRep = errors.New("malformed EncAPRepPart")

// parseEncAPRepPart reads EncAPRepPart (DER, as every implementation sends).
func parseEncAPRepPart(b []byte) (*encAPRep, error) {
	s := cryptobyte.String(b)
	var app, seq cryptobyte.String
	if !s.ReadASN1(&app, application(27)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() {
		return nil, errEncAPRep
	}
	var r encAPRep
	var f cryptobyte.String
	if !seq.ReadASN1(&f, explicit(0)) || !f.ReadASN1GeneralizedTime(&r.ctime) || !f.Empty() {
		return nil, errEncAPRep
	}
	if !seq.ReadASN1(&f, explicit(1)) || !f.ReadASN1Integer(&r.cusec) || !f.Empty() {
		return nil, errEncAPRep
	}
	var present bool
	if !seq.ReadOptionalASN1(&f, &present, explicit(2)) {
		return nil, errEncAPRep
	}
	if present {
		k, err := parseEncryptionKey(f)
		if err != nil {
			return nil, err
		}
		r.subkey = &k
	}
	if !seq.ReadOptionalASN1(&f, &r.hasSeq, explicit(3)) {
		return nil, errEncAPRep
	}
	if r.hasSeq {
		// UInt32; MIT once sent it as a negative INTEGER, so take the low 32 bits.
		var v int64
		if !f.ReadASN1Integer(&v) || !f.Empty() {
			return nil, errEncAPRep
		}
		r.seq = uint32(v)
	}
	if !seq.Empty() {
		return nil, errEncAPRep
	}
	return &r, nil
}

func parseEncryptionKey(f cryptobyte.String) (types.EncryptionKey, error) {
	var k types.EncryptionKey
	var seq, t, v cryptobyte.String
	var kt int64
	var kv []byte
	if !f.ReadASN1(&seq, asn1.SEQUENCE) || !f.Empty() ||
		!seq.ReadASN1(&t, explicit(0)) || !t.ReadASN1Integer(&kt) || !t.Empty() ||
		!seq.ReadASN1(&v, explicit(1)) || !v.ReadASN1Bytes(&kv, asn1.OCTET_STRING) || !v.Empty() || !seq.Empty() {
		return k, errEncAPRep
	}
	if kt < -1<<31 || kt >= 1<<31 {
		return k, errEncAPRep
	}
	return types.EncryptionKey{KeyType: int32(kt), KeyValue: kv}, nil
}

// parseAPRep reads AP-REP and returns the enc-part's etype and cipher.
func parseAPRep(b []byte) (etype int32, cipher []byte, err error) {
	bad := errors.New("malformed AP-REP")
	s := cryptobyte.String(b)
	var app, seq, f, ed cryptobyte.String
	var pvno, mt, et int64
	if !s.ReadASN1(&app, application(15)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() ||
		!seq.ReadASN1(&f, explicit(0)) || !f.ReadASN1Integer(&pvno) || pvno != 5 ||
		!seq.ReadASN1(&f, explicit(1)) || !f.ReadASN1Integer(&mt) || mt != 15 ||
		!seq.ReadASN1(&f, explicit(2)) || !f.ReadASN1(&ed, asn1.SEQUENCE) || !f.Empty() || !seq.Empty() {
		return 0, nil, bad
	}
	if !ed.ReadASN1(&f, explicit(0)) || !f.ReadASN1Integer(&et) || !f.Empty() || et < -1<<31 || et >= 1<<31 {
		return 0, nil, bad
	}
	var present bool
	if !ed.SkipOptionalASN1(explicit(1)) {
		return 0, nil, bad
	}
	_ = present
	if !ed.ReadASN1(&f, explicit(2)) || !f.ReadASN1Bytes(&cipher, asn1.OCTET_STRING) || !f.Empty() || !ed.Empty() {
		return 0, nil, bad
	}
	return int32(et), cipher, nil
}
