package negotiate

import (
	"bytes"
	encasn1 "encoding/asn1" // only for the BitString type ReadASN1BitString fills
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/der"
)

// ParseError is gss.ParseError, the error every codec failure returns: it
// names the token, the field and the byte offset from the start of the
// parsed input, and it matches gss.ErrMalformed (also reachable as
// mechtoken.ErrMalformed) through errors.Is.
type ParseError = gss.ParseError

// Kind says which SPNEGO message a Token holds.
type Kind uint8

// Token kinds.
const (
	// KindInit is an RFC 4178 NegTokenInit (mechListMIC at [3]).
	KindInit Kind = iota + 1
	// KindInit2 is Microsoft's NegTokenInit2 (MS-SPNG §2.2.1): negHints at [3],
	// mechListMIC at [4]. Acceptors send it unsolicited (SMB NEGOTIATE).
	KindInit2
	// KindResp is a NegTokenResp, sent by both sides after the first token.
	KindResp
)

// String returns the message name, e.g. "NegTokenInit".
func (k Kind) String() string {
	switch k {
	case KindInit:
		return "NegTokenInit"
	case KindInit2:
		return "NegTokenInit2"
	case KindResp:
		return "NegTokenResp"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// NegState is the negState field of a NegTokenResp. The zero value means the
// field is absent, so a zero Token marshals without one; the wire value is
// NegState-1.
type NegState uint8

// negState values (RFC 4178 §4.2.2).
const (
	NegStateAbsent           NegState = iota // field not present
	NegStateAcceptCompleted                  // accept-completed (0)
	NegStateAcceptIncomplete                 // accept-incomplete (1)
	NegStateReject                           // reject (2)
	NegStateRequestMIC                       // request-mic (3)
)

// String returns the RFC 4178 name of the state, or "absent".
func (s NegState) String() string {
	switch s {
	case NegStateAbsent:
		return "absent"
	case NegStateAcceptCompleted:
		return "accept-completed"
	case NegStateAcceptIncomplete:
		return "accept-incomplete"
	case NegStateReject:
		return "reject"
	case NegStateRequestMIC:
		return "request-mic"
	}
	return fmt.Sprintf("negState(%d)", int(s)-1)
}

// ContextFlags is the reqFlags BIT STRING of a NegTokenInit: ASN.1 bit n is
// 1<<n. Peers rarely send it and acceptors must ignore it (RFC 4178 §4.2.1).
type ContextFlags uint32

// ContextFlags bits (RFC 4178 §4.2.1).
const (
	FlagDeleg    ContextFlags = 1 << 0
	FlagMutual   ContextFlags = 1 << 1
	FlagReplay   ContextFlags = 1 << 2
	FlagSequence ContextFlags = 1 << 3
	FlagAnon     ContextFlags = 1 << 4
	FlagConf     ContextFlags = 1 << 5
	FlagInteg    ContextFlags = 1 << 6
)

// maxInlineMechs is how many mechTypes fit in Token without allocating; the
// longest list seen from real peers has five.
const maxInlineMechs = 6

// Context-specific constructed tags [0]..[4] (class 0x80 | constructed 0x20 | n).
const (
	tagCtx0 = asn1.Tag(0xa0)
	tagCtx1 = asn1.Tag(0xa1)
	tagCtx2 = asn1.Tag(0xa2)
	tagCtx3 = asn1.Tag(0xa3)
	tagCtx4 = asn1.Tag(0xa4)
)

// Token is one SPNEGO message: a NegTokenInit, NegTokenInit2 or NegTokenResp.
//
// Byte-slice fields alias the buffer passed to Unmarshal or Parse (zero copy):
// the caller must not modify that buffer while the Token is in use. A nil
// slice means the field is absent; a non-nil empty slice means present and
// empty. Fields that do not belong to Kind are ignored by Marshal.
type Token struct {
	Kind Kind

	// MechTypes lists the initiator's mechanisms, most preferred first
	// (NegTokenInit/Init2).
	MechTypes []gss.OID
	// RawMechTypes is the MechTypeList exactly as received (30 LL ...): the
	// input of the mechListMIC. When set, Marshal emits these bytes verbatim
	// instead of re-encoding MechTypes.
	RawMechTypes []byte
	// HasReqFlags says whether reqFlags was present.
	HasReqFlags bool
	// ReqFlags is the reqFlags field; not integrity protected, ignore it.
	ReqFlags ContextFlags
	// MechToken is the optimistic token for MechTypes[0].
	MechToken []byte
	// HasNegHints says whether NegTokenInit2 negHints was present.
	HasNegHints bool
	// HintName is negHints.hintName (GeneralString contents), nil if absent.
	HintName []byte
	// HintAddress is negHints.hintAddress, nil if absent.
	HintAddress []byte

	// NegState is the acceptor's state (NegTokenResp).
	NegState NegState
	// SupportedMech is the mechanism the acceptor selected; empty if absent.
	SupportedMech gss.OID
	// ResponseToken is the inner mechanism token of a NegTokenResp.
	ResponseToken []byte

	// MechListMIC is the mechListMIC of any kind of token.
	MechListMIC []byte

	// Framed reports the old Sun/MIT quirk of a NegTokenResp wrapped in the
	// RFC 2743 framing with the SPNEGO OID; Marshal reproduces it.
	Framed bool
	// MICIsResponseTokenCopy reports the Windows 2000 quirk: the mechListMIC
	// field holds a byte-for-byte copy of the responseToken, not a MIC.
	MICIsResponseTokenCopy bool

	mechBuf [maxInlineMechs]gss.OID
}

// Parse decodes one SPNEGO token; see Token.Unmarshal.
func Parse(b []byte) (*Token, error) {
	t := new(Token)
	if err := t.unmarshal(b); err != nil {
		return nil, err
	}
	return t, nil
}

// Unmarshal decodes b into t, replacing its contents. It accepts a framed
// NegTokenInit/NegTokenInit2 (60 .. SPNEGO-OID a0 ..) and an unframed
// NegTokenResp (a1 ..), plus a framed NegTokenResp (flagged in Framed).
//
// Decoding is strict DER: non-minimal or indefinite lengths, trailing bytes,
// wrong tags, duplicate or out-of-order fields and malformed OIDs are
// rejected with a *ParseError. Context-tagged fields above the ones RFC 4178
// and MS-SPNG define are skipped, as RFC 4178 §6 requires. reqFlags may carry
// any number of bits up to 32 (DER would strip trailing zeros), because
// acceptors must ignore it anyway.
//
// Unmarshal does not allocate for the well-known mechanism OIDs and up to
// six mechTypes; slices alias b. MechTypes lives in t itself, so a slice
// kept from an earlier Unmarshal into the same Token is overwritten.
func (t *Token) Unmarshal(b []byte) error {
	*t = Token{}
	return t.unmarshal(b)
}

// unmarshal is Unmarshal on a zero Token.
func (t *Token) unmarshal(b []byte) error {
	p := parser{der.Parser{Base: b, Token: "SPNEGO token"}}
	s := cryptobyte.String(b)
	if len(s) == 0 {
		return p.Failf("token", s, "empty input")
	}
	switch s[0] {
	case byte(der.TagGSSFraming):
		return p.parseFramed(t, s)
	case byte(tagCtx1):
		t.Kind = KindResp
		p.Token = "NegTokenResp"
		if err := p.parseResp(t, &s); err != nil {
			return err
		}
		return p.Done(s, "NegotiationToken")
	case byte(tagCtx0):
		p.Token = "NegTokenInit"
		return p.Failf("InitialContextToken", s, "NegTokenInit without the RFC 2743 framing (60 .. 06 06 2b0601050502)")
	}
	return p.Failf("NegotiationToken", s, "tag 0x%02x is neither GSS framing (0x60) nor NegTokenResp (0xa1)", s[0])
}

// parseFramed reads 60 LL 06 06 <SPNEGO> followed by [0] NegTokenInit(2) or,
// as a tolerated quirk, [1] NegTokenResp.
func (p *parser) parseFramed(t *Token, s cryptobyte.String) error {
	p.Token = "InitialContextToken"
	body, err := p.Contents(&s, der.TagGSSFraming, "InitialContextToken")
	if err != nil {
		return err
	}
	if err := p.Done(s, "InitialContextToken"); err != nil {
		return err
	}
	oidAt := body
	oid, err := p.Contents(&body, asn1.OBJECT_IDENTIFIER, "thisMech")
	if err != nil {
		return err
	}
	if string(oid) != string(gss.MechSPNEGO) {
		if gss.ValidOID(oid) {
			return p.Failf("thisMech", oidAt, "framed token for mechanism %s, not SPNEGO", gss.OID(oid))
		}
		return p.Failf("thisMech", oidAt, "malformed OID encoding")
	}
	if len(body) == 0 {
		return p.Failf("innerContextToken", body, "truncated: no SPNEGO token after the OID")
	}
	switch body[0] {
	case byte(tagCtx0):
		p.Token = "NegTokenInit"
		if err := p.parseInit(t, &body); err != nil {
			return err
		}
	case byte(tagCtx1):
		p.Token = "NegTokenResp"
		t.Kind = KindResp
		t.Framed = true
		if err := p.parseResp(t, &body); err != nil {
			return err
		}
	default:
		return p.Failf("NegotiationToken", body, "wrong tag 0x%02x, want 0xa0 (negTokenInit) or 0xa1 (negTokenResp)", body[0])
	}
	return p.Done(body, "innerContextToken")
}

// parseInit reads [0] NegTokenInit or NegTokenInit2. Kind becomes KindInit2
// when [3] holds a SEQUENCE (negHints) or a mechListMIC sits at [4].
func (p *parser) parseInit(t *Token, s *cryptobyte.String) error {
	t.Kind = KindInit
	seq, err := p.ExplicitSeq(s, tagCtx0, "negTokenInit")
	if err != nil {
		return err
	}
	last := -1
	micAt3 := false
	for len(seq) > 0 {
		fieldAt := seq
		num, inner, err := p.Field(&seq, &last, "NegTokenInit")
		if err != nil {
			return err
		}
		switch num {
		case 0:
			if err := p.mechTypeList(t, inner, fieldAt); err != nil {
				return err
			}
		case 1:
			if err := p.reqFlags(t, inner); err != nil {
				return err
			}
		case 2:
			if t.MechToken, err = p.Octets(inner, "mechToken"); err != nil {
				return err
			}
		case 3:
			if len(inner) > 0 && inner[0] == byte(asn1.SEQUENCE) {
				t.Kind = KindInit2
				if err := p.negHints(t, inner); err != nil {
					return err
				}
			} else {
				micAt3 = true
				if t.MechListMIC, err = p.Octets(inner, "mechListMIC"); err != nil {
					return err
				}
			}
		case 4:
			if micAt3 {
				return p.Failf("mechListMIC", fieldAt, "second mechListMIC at [4] after one at [3]")
			}
			t.Kind = KindInit2
			if t.MechListMIC, err = p.Octets(inner, "mechListMIC"); err != nil {
				return err
			}
		}
	}
	if t.RawMechTypes == nil && t.Kind == KindInit {
		return p.Failf("mechTypes", seq, "missing (required in NegTokenInit)")
	}
	return nil
}

// parseResp reads [1] NegTokenResp.
func (p *parser) parseResp(t *Token, s *cryptobyte.String) error {
	seq, err := p.ExplicitSeq(s, tagCtx1, "negTokenResp")
	if err != nil {
		return err
	}
	last := -1
	for len(seq) > 0 {
		num, inner, err := p.Field(&seq, &last, "NegTokenResp")
		if err != nil {
			return err
		}
		switch num {
		case 0:
			if err := p.negState(t, inner); err != nil {
				return err
			}
		case 1:
			b, err := p.readOID(&inner, "supportedMech")
			if err != nil {
				return err
			}
			oid, ok := gss.KnownOID(b)
			if !ok {
				oid = gss.OID(b)
			}
			if err := p.Done(inner, "supportedMech"); err != nil {
				return err
			}
			t.SupportedMech = oid
		case 2:
			if t.ResponseToken, err = p.Octets(inner, "responseToken"); err != nil {
				return err
			}
		case 3:
			if t.MechListMIC, err = p.Octets(inner, "mechListMIC"); err != nil {
				return err
			}
		}
	}
	t.MICIsResponseTokenCopy = t.MechListMIC != nil && t.ResponseToken != nil &&
		bytes.Equal(t.MechListMIC, t.ResponseToken)
	return nil
}

func (p *parser) mechTypeList(t *Token, inner cryptobyte.String, fieldAt cryptobyte.String) error {
	var raw cryptobyte.String
	at := inner
	if !inner.ReadASN1Element(&raw, asn1.SEQUENCE) {
		return p.Diagnose(at, asn1.SEQUENCE, "mechTypes")
	}
	if err := p.Done(inner, "mechTypes"); err != nil {
		return err
	}
	list := raw
	list.ReadASN1(&list, asn1.SEQUENCE) // cannot fail: just read as an element
	if len(list) == 0 {
		return p.Failf("mechTypes", fieldAt, "empty MechTypeList")
	}
	t.MechTypes = t.mechBuf[:0]
	var owned string // one allocation shared by every unknown OID in the list
	for len(list) > 0 {
		var b []byte
		var err error
		if l := len(list); l >= 2 && list[0] == byte(asn1.OBJECT_IDENTIFIER) && list[1] < 0x80 &&
			int(list[1]) <= l-2 && gss.ValidOID(list[2:2+list[1]]) {
			// The short-form TLV every real OID uses, read inline: the
			// general reader was a third of the time to parse a NegTokenInit.
			b, list = list[2:2+list[1]], list[2+list[1]:]
		} else if b, err = p.readOID(&list, "mechTypes"); err != nil {
			return err
		}
		oid, ok := gss.KnownOID(b)
		if !ok {
			if owned == "" {
				owned = string(raw)
			}
			i := p.Off(b) - p.Off(raw) // b is a sub-slice of raw
			oid = gss.OID(owned[i : i+len(b)])
		}
		t.MechTypes = append(t.MechTypes, oid)
	}
	t.RawMechTypes = raw
	return nil
}

func (p *parser) reqFlags(t *Token, inner cryptobyte.String) error {
	var bs encasn1.BitString
	at := inner
	if !inner.ReadASN1BitString(&bs) {
		if len(at) > 0 && at[0] == byte(asn1.BIT_STRING) {
			elem := at
			if _, err := p.Contents(&elem, asn1.BIT_STRING, "reqFlags"); err != nil {
				return err
			}
			return p.Failf("reqFlags", at, "malformed BIT STRING (bad padding)")
		}
		return p.Diagnose(at, asn1.BIT_STRING, "reqFlags")
	}
	if err := p.Done(inner, "reqFlags"); err != nil {
		return err
	}
	if bs.BitLength > 32 {
		return p.Failf("reqFlags", at, "ContextFlags has %d bits, at most 32 allowed", bs.BitLength)
	}
	t.HasReqFlags = true
	for i := 0; i < bs.BitLength; i++ {
		if bs.At(i) != 0 {
			t.ReqFlags |= 1 << i
		}
	}
	return nil
}

func (p *parser) negHints(t *Token, inner cryptobyte.String) error {
	seq, err := p.Contents(&inner, asn1.SEQUENCE, "negHints")
	if err != nil {
		return err
	}
	if err := p.Done(inner, "negHints"); err != nil {
		return err
	}
	t.HasNegHints = true
	last := -1
	for len(seq) > 0 {
		num, f, err := p.Field(&seq, &last, "NegHints")
		if err != nil {
			return err
		}
		switch num {
		case 0:
			v, err := p.Contents(&f, der.TagGeneralString, "negHints.hintName")
			if err != nil {
				return err
			}
			if err := p.Done(f, "negHints.hintName"); err != nil {
				return err
			}
			t.HintName = v
		case 1:
			if t.HintAddress, err = p.Octets(f, "negHints.hintAddress"); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) negState(t *Token, inner cryptobyte.String) error {
	at := inner
	var v int
	if !inner.ReadASN1Enum(&v) {
		if len(at) > 0 && at[0] == byte(asn1.ENUM) {
			elem := at
			if _, err := p.Contents(&elem, asn1.ENUM, "negState"); err != nil {
				return err
			}
			return p.Failf("negState", at, "malformed ENUMERATED (non-minimal or too long)")
		}
		return p.Diagnose(at, asn1.ENUM, "negState")
	}
	if err := p.Done(inner, "negState"); err != nil {
		return err
	}
	if v < 0 || v > 3 {
		return p.Failf("negState", at, "unknown value %d", v)
	}
	t.NegState = NegState(v + 1)
	return nil
}

// parser is the module's DER reader (offsets, typed errors, strict DER
// helpers) with the SPNEGO structures' readers as methods.
type parser struct{ der.Parser }

// readOID reads an OBJECT IDENTIFIER and returns its validated content octets.
func (p *parser) readOID(s *cryptobyte.String, field string) ([]byte, error) {
	at := *s
	b, err := p.Contents(s, asn1.OBJECT_IDENTIFIER, field)
	if err != nil {
		return nil, err
	}
	if !gss.ValidOID(b) {
		return nil, p.Failf(field, at, "malformed OID encoding % x", []byte(b))
	}
	return b, nil
}

// Marshal returns the canonical DER encoding of t: framed for NegTokenInit
// and NegTokenInit2, unframed for NegTokenResp unless t.Framed.
func (t *Token) Marshal() ([]byte, error) {
	return t.AppendMarshal(nil)
}

// AppendMarshal appends the encoding of t to b.
func (t *Token) AppendMarshal(b []byte) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if b == nil {
		// Room for the whole token up front: growing the builder's buffer
		// was a third of a handshake's token-building allocations.
		b = make([]byte, 0, t.sizeHint())
	}
	bld := cryptobyte.NewBuilder(b)
	switch {
	case t.Kind == KindResp && !t.Framed:
		t.addResp(bld)
	default:
		bld.AddASN1(der.TagGSSFraming, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(gss.MechSPNEGO)) })
			if t.Kind == KindResp {
				t.addResp(b)
			} else {
				t.addInit(b)
			}
		})
	}
	return bld.Bytes()
}

// sizeHint is an upper bound on the encoding's length for tokens with
// fields under 16 MiB: each of the at most 13 TLV headers takes 5 bytes.
func (t *Token) sizeHint() int {
	n := 13*5 + len(gss.MechSPNEGO) + len(t.RawMechTypes) + len(t.MechToken) + len(t.ResponseToken) +
		len(t.MechListMIC) + len(t.SupportedMech) + len(t.HintName) + len(t.HintAddress) + 8
	if t.RawMechTypes == nil {
		n += 5
		for _, o := range t.MechTypes {
			n += 5 + len(o)
		}
	}
	return n
}

// check rejects Tokens that cannot be encoded as their Kind.
func (t *Token) check() error {
	switch t.Kind {
	case KindInit, KindInit2:
		if t.RawMechTypes == nil && len(t.MechTypes) == 0 && t.Kind == KindInit {
			return fmt.Errorf("negotiate: marshal NegTokenInit: no mechTypes")
		}
		if t.Kind == KindInit && (t.HasNegHints || t.HintName != nil || t.HintAddress != nil) {
			return fmt.Errorf("negotiate: marshal NegTokenInit: negHints need KindInit2")
		}
		for _, o := range t.MechTypes {
			if !gss.ValidOID([]byte(o)) {
				return fmt.Errorf("negotiate: marshal %v: invalid mechType OID % x", t.Kind, []byte(o))
			}
		}
	case KindResp:
		if t.NegState > NegStateRequestMIC {
			return fmt.Errorf("negotiate: marshal NegTokenResp: invalid %v", t.NegState)
		}
		if t.SupportedMech != "" && !gss.ValidOID([]byte(t.SupportedMech)) {
			return fmt.Errorf("negotiate: marshal NegTokenResp: invalid supportedMech OID % x", []byte(t.SupportedMech))
		}
	default:
		return fmt.Errorf("negotiate: marshal: unknown token kind %d", t.Kind)
	}
	return nil
}

func (t *Token) addInit(b *cryptobyte.Builder) {
	b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if t.RawMechTypes != nil || len(t.MechTypes) > 0 {
				b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
					if t.RawMechTypes != nil {
						b.AddBytes(t.RawMechTypes)
						return
					}
					b.AddBytes(MarshalMechTypes(t.MechTypes))
				})
			}
			if t.HasReqFlags {
				b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) { addContextFlags(b, t.ReqFlags) })
			}
			addOctets(b, tagCtx2, t.MechToken)
			micTag := tagCtx3
			if t.Kind == KindInit2 {
				micTag = tagCtx4
				if t.HasNegHints || t.HintName != nil || t.HintAddress != nil {
					b.AddASN1(tagCtx3, func(b *cryptobyte.Builder) {
						b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
							if t.HintName != nil {
								b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
									b.AddASN1(der.TagGeneralString, func(b *cryptobyte.Builder) { b.AddBytes(t.HintName) })
								})
							}
							addOctets(b, tagCtx1, t.HintAddress)
						})
					})
				}
			}
			addOctets(b, micTag, t.MechListMIC)
		})
	})
}

func (t *Token) addResp(b *cryptobyte.Builder) {
	b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if t.NegState != NegStateAbsent {
				b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(t.NegState) - 1) })
			}
			if t.SupportedMech != "" {
				b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(t.SupportedMech)) })
				})
			}
			addOctets(b, tagCtx2, t.ResponseToken)
			addOctets(b, tagCtx3, t.MechListMIC)
		})
	})
}

// MarshalMechTypes returns the DER MechTypeList (30 LL 06 ..) for mechs: the
// bytes an initiator sends and both sides' mechListMIC covers.
func MarshalMechTypes(mechs []gss.OID) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, o := range mechs {
			b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o)) })
		}
	})
	return b.BytesOrPanic()
}

// addOctets adds tag { OCTET STRING v } unless v is nil (absent).
func addOctets(b *cryptobyte.Builder, tag asn1.Tag, v []byte) {
	if v == nil {
		return
	}
	b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddASN1OctetString(v) })
}

// addContextFlags encodes f as a DER named BIT STRING: trailing zero bits
// are dropped, so no flags is 03 01 00.
func addContextFlags(b *cryptobyte.Builder, f ContextFlags) {
	nbits := 0
	for i := 31; i >= 0; i-- {
		if f&(1<<i) != 0 {
			nbits = i + 1
			break
		}
	}
	nbytes := (nbits + 7) / 8
	var buf [4]byte
	for i := 0; i < nbits; i++ {
		if f&(1<<i) != 0 {
			buf[i/8] |= 0x80 >> (i % 8)
		}
	}
	b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(nbytes*8 - nbits))
		b.AddBytes(buf[:nbytes])
	})
}
