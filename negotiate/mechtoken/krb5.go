package mechtoken

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/der"
)

// Kerberos context-token TOK_IDs (RFC 4121 §4.1, U2U draft §4), as the two
// bytes after the GSS framing read big-endian.
const (
	TokIDAPReq  uint16 = 0x0100 // KRB_AP_REQ
	TokIDAPRep  uint16 = 0x0200 // KRB_AP_REP
	TokIDError  uint16 = 0x0300 // KRB_ERROR
	TokIDTGTReq uint16 = 0x0400 // KERB-TGT-REQUEST (user-to-user)
	TokIDTGTRep uint16 = 0x0401 // KERB-TGT-REPLY (user-to-user)
)

// Kerberos message types (RFC 4120 §7.5.7; 16 and 17 from the U2U draft).
const (
	MsgTypeAPReq    = 14
	MsgTypeAPRep    = 15
	MsgTypeTGTReq   = 16
	MsgTypeTGTRep   = 17
	MsgTypeKRBError = 30
)

// Kerberos is what a key-less reader learns from a Kerberos context token:
// AP-REQ, AP-REP, KRB-ERROR, or a user-to-user TGT-REQ/TGT-REP. Byte-slice
// fields alias the input.
type Kerberos struct {
	// TokID is the RFC 4121 TOK_ID when the message was GSS-framed; 0 for a
	// raw (DCE-style) message.
	TokID uint16 `json:"tok_id,omitempty"`
	// MsgType is the Kerberos msg-type (14, 15, 16, 17 or 30).
	MsgType int32 `json:"msg_type"`
	// APOptions are the AP-REQ ap-options.
	APOptions APOptions `json:"ap_options,omitzero"`
	// Realm is the ticket's realm (AP-REQ, TGT-REP), the server realm of a
	// KRB-ERROR, or the realm of a TGT-REQ.
	Realm Text `json:"realm,omitempty"`
	// SName is the ticket's sname (AP-REQ, TGT-REP), a KRB-ERROR's sname, or
	// a TGT-REQ's server-name.
	SName PrincipalName `json:"sname,omitzero"`
	// Ticket is the ticket's enc-part: its etype is the service's long-term key type.
	Ticket EncPart `json:"ticket,omitzero"`
	// Authenticator is the AP-REQ authenticator: its etype is the ticket session key type.
	Authenticator EncPart `json:"authenticator,omitzero"`
	// AuthenticatorCipher is the AP-REQ authenticator's cipher text
	// (aliasing the input): unique per AP-REQ, so a replay cache keys on
	// a hash of it without any key (package replay; MIT's file2 cache
	// does the same).
	AuthenticatorCipher []byte `json:"-"`
	// EncPart is the AP-REP enc-part: its etype is the ticket session key type.
	EncPart EncPart `json:"enc_part,omitzero"`
	// ErrorCode is a KRB-ERROR's error-code.
	ErrorCode int32 `json:"error_code,omitempty"`
	// EText is a KRB-ERROR's e-text, if any.
	EText Text `json:"e_text,omitempty"`
	// STime is a KRB-ERROR's server time.
	STime time.Time `json:"stime,omitzero"`
	// EDataLen is the length of a KRB-ERROR's e-data, 0 if absent.
	EDataLen int `json:"e_data_len,omitempty"`
}

// EncPart describes an EncryptedData (RFC 4120 §5.2.9) without its cipher text.
type EncPart struct {
	Etype     gss.Enctype `json:"etype"`          // encryption type of the key that protects it
	KVNO      uint32      `json:"kvno,omitempty"` // key version number, valid if HasKVNO
	HasKVNO   bool        `json:"-"`              // whether kvno was present
	CipherLen int         `json:"cipher_len"`     // length of the cipher text
}

// APOptions is the AP-REQ ap-options BIT STRING: ASN.1 bit n is 1<<(31-n),
// so the value reads like the first four octets on the wire.
type APOptions uint32

// APOptions bits (RFC 4120 §5.5.1).
const (
	APOptionUseSessionKey  APOptions = 1 << (31 - 1) // ticket encrypted in the session key of a TGT (user-to-user)
	APOptionMutualRequired APOptions = 1 << (31 - 2) // client asks for an AP-REP
)

var apOptionNames = []flagName{
	{uint32(APOptionUseSessionKey), "use-session-key"},
	{uint32(APOptionMutualRequired), "mutual-required"},
}

// MutualRequired reports whether the mutual-required bit is set.
func (o APOptions) MutualRequired() bool { return o&APOptionMutualRequired != 0 }

// UseSessionKey reports whether the use-session-key bit is set.
func (o APOptions) UseSessionKey() bool { return o&APOptionUseSessionKey != 0 }

// String lists the set options, e.g. "mutual-required".
func (o APOptions) String() string { return formatFlags(uint32(o), apOptionNames) }

// MarshalText makes JSON show the option names.
func (o APOptions) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// PrincipalName is a Kerberos PrincipalName read in place: the components
// stay in the input and are decoded on demand.
type PrincipalName struct {
	NameType int32 // name-type, e.g. 1 NT-PRINCIPAL, 2 NT-SRV-INST
	raw      []byte
}

// IsZero reports whether the name is absent.
func (n PrincipalName) IsZero() bool { return n.raw == nil && n.NameType == 0 }

// Components returns the name-string components (a new slice).
func (n PrincipalName) Components() []string {
	var out []string
	s := cryptobyte.String(n.raw)
	for !s.Empty() {
		var c cryptobyte.String
		if !s.ReadASN1(&c, der.TagGeneralString) {
			break // validated when parsed
		}
		out = append(out, string(c))
	}
	return out
}

// String joins the components with "/", e.g. "HTTP/localhost".
func (n PrincipalName) String() string { return strings.Join(n.Components(), "/") }

// MarshalJSON shows the name as {"name_type":2,"components":["HTTP","localhost"]}.
func (n PrincipalName) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		NameType   int32    `json:"name_type"`
		Components []string `json:"components"`
	}{n.NameType, n.Components()})
}

// Text is a string field read in place (Kerberos GeneralString, NTLM OEM
// string): it aliases the input and is shown as a string in JSON.
type Text []byte

// String returns the bytes as a string.
func (t Text) String() string { return string(t) }

// MarshalText makes JSON show the bytes as a string.
func (t Text) MarshalText() ([]byte, error) { return t, nil }

// parseKerberosContext reads the inner token of a GSS-framed Kerberos
// context token: the TOK_ID, then the Kerberos message it announces.
func (p *parser) parseKerberosContext(inner []byte, k *Kerberos) (Kind, error) {
	p.Token = "krb5 token"
	if len(inner) < 2 {
		return 0, p.Fail("TOK_ID", inner, "truncated")
	}
	k.TokID = binary.BigEndian.Uint16(inner)
	msg := inner[2:]
	var kind Kind
	var err error
	switch k.TokID {
	case TokIDAPReq:
		kind, err = KindKRB5APReq, p.parseAPReq(msg, k)
	case TokIDAPRep:
		kind, err = KindKRB5APRep, p.parseAPRep(msg, k)
	case TokIDError:
		kind, err = KindKRB5Error, p.parseKRBError(msg, k)
	case TokIDTGTReq:
		kind, err = KindKRB5TGTReq, p.parseTGTReq(msg, k)
	case TokIDTGTRep:
		kind, err = KindKRB5TGTRep, p.parseTGTRep(msg, k)
	default:
		return KindOpaque, nil
	}
	return kind, err
}

// parseRawKerberos reads an unframed (DCE-style) AP-REQ, AP-REP or KRB-ERROR.
func (p *parser) parseRawKerberos(b []byte, k *Kerberos) (Kind, error) {
	switch b[0] {
	case uint8(tagAPReq):
		return KindKRB5APReq, p.parseAPReq(b, k)
	case uint8(tagAPRep):
		return KindKRB5APRep, p.parseAPRep(b, k)
	case uint8(tagKRBError):
		return KindKRB5Error, p.parseKRBError(b, k)
	}
	return KindOpaque, nil
}

// message reads `[APPLICATION n] SEQUENCE {` spanning all of b and checks
// pvno and msg-type; it returns the remaining SEQUENCE content.
func (p *parser) message(b []byte, app asn1.Tag, msgType int32) (cryptobyte.String, error) {
	s := cryptobyte.String(b)
	var a, seq cryptobyte.String
	if err := p.Read(&s, &a, app, "message"); err != nil {
		return nil, err
	}
	if err := p.Done(s, "message"); err != nil {
		return nil, err
	}
	if err := p.Read(&a, &seq, asn1.SEQUENCE, "message"); err != nil {
		return nil, err
	}
	if err := p.Done(a, "message"); err != nil {
		return nil, err
	}
	if err := p.ExpectInt(&seq, 0, "pvno", 5); err != nil {
		return nil, err
	}
	return seq, p.ExpectInt(&seq, 1, "msg-type", int64(msgType))
}

// parseAPReq reads an AP-REQ (RFC 4120 §5.5.1).
func (p *parser) parseAPReq(b []byte, k *Kerberos) error {
	p.Token = "AP-REQ"
	k.MsgType = MsgTypeAPReq
	seq, err := p.message(b, tagAPReq, MsgTypeAPReq)
	if err != nil {
		return err
	}
	if k.APOptions, err = p.apOptions(&seq); err != nil {
		return err
	}
	if err := p.ticketField(&seq, 3, k); err != nil {
		return err
	}
	auth := seq
	if k.Authenticator, err = p.encPartField(&seq, 4, fieldsAuthenticator); err != nil {
		return err
	}
	k.AuthenticatorCipher = encCipher(auth)
	return p.Done(seq, "AP-REQ")
}

// apOptions reads "[2] APOptions" (a BIT STRING of at least 32 bits in
// practice; shorter ones are zero-extended, bits past 32 ignored).
func (p *parser) apOptions(s *cryptobyte.String) (APOptions, error) {
	x, err := p.Explicit(s, 2, "ap-options")
	if err != nil {
		return 0, err
	}
	var bits cryptobyte.String
	if err := p.Read(&x, &bits, asn1.BIT_STRING, "ap-options"); err != nil {
		return 0, err
	}
	if len(bits) == 0 || bits[0] > 7 || (len(bits) == 1 && bits[0] != 0) {
		return 0, p.Fail("ap-options", bits, "bad BIT STRING padding")
	}
	var v uint32
	for i := 1; i < 5; i++ {
		v <<= 8
		if i < len(bits) {
			v |= uint32(bits[i])
		}
	}
	return APOptions(v), p.Done(x, "ap-options")
}

// ticket reads a Ticket (RFC 4120 §5.3) into k.Realm, k.SName, k.Ticket.
// ticketField reads the explicitly tagged [n] Ticket of an AP-REQ or a
// KERB-TGT-REPLY, rejecting bytes after it.
func (p *parser) ticketField(seq *cryptobyte.String, n uint8, k *Kerberos) error {
	t, err := p.Explicit(seq, n, "ticket")
	if err != nil {
		return err
	}
	if err := p.ticket(&t, k); err != nil {
		return err
	}
	return p.Done(t, "ticket")
}

func (p *parser) ticket(s *cryptobyte.String, k *Kerberos) error {
	var a, seq cryptobyte.String
	if err := p.Read(s, &a, tagTicket, "ticket"); err != nil {
		return err
	}
	if err := p.Read(&a, &seq, asn1.SEQUENCE, "ticket"); err != nil {
		return err
	}
	if err := p.Done(a, "ticket"); err != nil {
		return err
	}
	if err := p.ExpectInt(&seq, 0, "ticket.tkt-vno", 5); err != nil {
		return err
	}
	var err error
	if k.Realm, err = p.generalString(&seq, 1, "ticket.realm"); err != nil {
		return err
	}
	if k.SName, err = p.principal(&seq, 2, fieldsTicketSName); err != nil {
		return err
	}
	if k.Ticket, err = p.encPartField(&seq, 3, fieldsTicketEncPart); err != nil {
		return err
	}
	return p.Done(seq, "ticket")
}

// principalFields names the fields of one PrincipalName for errors;
// precomputed so that parsing does not concatenate strings.
type principalFields struct{ whole, nameType, nameString string }

func principalNames(f string) principalFields {
	return principalFields{f, f + ".name-type", f + ".name-string"}
}

var (
	fieldsTicketSName = principalNames("ticket.sname")
	fieldsSName       = principalNames("sname")
	fieldsCName       = principalNames("cname")
	fieldsServerName  = principalNames("server-name")
)

// principal reads "[n] PrincipalName" (RFC 4120 §5.2.2).
func (p *parser) principal(s *cryptobyte.String, n uint8, names principalFields) (PrincipalName, error) {
	field := names.whole
	x, err := p.Explicit(s, n, field)
	if err != nil {
		return PrincipalName{}, err
	}
	var seq cryptobyte.String
	if err := p.Read(&x, &seq, asn1.SEQUENCE, field); err != nil {
		return PrincipalName{}, err
	}
	if err := p.Done(x, field); err != nil {
		return PrincipalName{}, err
	}
	nt, err := p.Integer(&seq, 0, names.nameType, der.MinInt32, der.MaxInt32)
	if err != nil {
		return PrincipalName{}, err
	}
	y, err := p.Explicit(&seq, 1, names.nameString)
	if err != nil {
		return PrincipalName{}, err
	}
	var comps cryptobyte.String
	if err := p.Read(&y, &comps, asn1.SEQUENCE, names.nameString); err != nil {
		return PrincipalName{}, err
	}
	if err := p.Done(y, names.nameString); err != nil {
		return PrincipalName{}, err
	}
	for c := comps; !c.Empty(); {
		var v cryptobyte.String
		if err := p.Read(&c, &v, der.TagGeneralString, names.nameString); err != nil {
			return PrincipalName{}, err
		}
	}
	if comps == nil {
		comps = cryptobyte.String{}
	}
	return PrincipalName{NameType: int32(nt), raw: comps}, p.Done(seq, field)
}

// encPartFields names the fields of one EncryptedData for errors.
type encPartFields struct{ whole, etype, kvno, cipher string }

func encPartNames(f string) encPartFields {
	return encPartFields{f, f + ".etype", f + ".kvno", f + ".cipher"}
}

var (
	fieldsTicketEncPart = encPartNames("ticket.enc-part")
	fieldsAuthenticator = encPartNames("authenticator")
	fieldsEncPart       = encPartNames("enc-part")
)

// encPartField reads "[n] EncryptedData" (RFC 4120 §5.2.9).
func (p *parser) encPartField(s *cryptobyte.String, n uint8, names encPartFields) (EncPart, error) {
	field := names.whole
	var e EncPart
	x, err := p.Explicit(s, n, field)
	if err != nil {
		return e, err
	}
	var seq cryptobyte.String
	if err := p.Read(&x, &seq, asn1.SEQUENCE, field); err != nil {
		return e, err
	}
	if err := p.Done(x, field); err != nil {
		return e, err
	}
	et, err := p.Integer(&seq, 0, names.etype, der.MinInt32, der.MaxInt32)
	if err != nil {
		return e, err
	}
	e.Etype = gss.Enctype(et)
	if seq.PeekASN1Tag(der.Ctx(1)) {
		kv, err := p.Integer(&seq, 1, names.kvno, 0, der.MaxUint32)
		if err != nil {
			return e, err
		}
		e.KVNO, e.HasKVNO = uint32(kv), true
	}
	y, err := p.Explicit(&seq, 2, names.cipher)
	if err != nil {
		return e, err
	}
	var c cryptobyte.String
	if err := p.Read(&y, &c, asn1.OCTET_STRING, names.cipher); err != nil {
		return e, err
	}
	e.CipherLen = len(c)
	if err := p.Done(y, names.cipher); err != nil {
		return e, err
	}
	return e, p.Done(seq, field)
}

// encCipher returns the cipher OCTET STRING of "[n] EncryptedData" at the
// start of s, which encPartField has already validated.
func encCipher(s cryptobyte.String) []byte {
	var x, seq, c cryptobyte.String
	var tag asn1.Tag
	if !s.ReadAnyASN1(&x, &tag) || !x.ReadASN1(&seq, asn1.SEQUENCE) {
		return nil
	}
	for !seq.Empty() {
		var f cryptobyte.String
		if !seq.ReadAnyASN1(&f, &tag) {
			return nil
		}
		if tag == der.Ctx(2) {
			if !f.ReadASN1(&c, asn1.OCTET_STRING) {
				return nil
			}
			return c
		}
	}
	return nil
}

// parseAPRep reads an AP-REP (RFC 4120 §5.5.2).
func (p *parser) parseAPRep(b []byte, k *Kerberos) error {
	p.Token = "AP-REP"
	k.MsgType = MsgTypeAPRep
	seq, err := p.message(b, tagAPRep, MsgTypeAPRep)
	if err != nil {
		return err
	}
	if k.EncPart, err = p.encPartField(&seq, 2, fieldsEncPart); err != nil {
		return err
	}
	return p.Done(seq, "AP-REP")
}

// parseKRBError reads a KRB-ERROR (RFC 4120 §5.9.1).
func (p *parser) parseKRBError(b []byte, k *Kerberos) error {
	p.Token = "KRB-ERROR"
	k.MsgType = MsgTypeKRBError
	seq, err := p.message(b, tagKRBError, MsgTypeKRBError)
	if err != nil {
		return err
	}
	if seq.PeekASN1Tag(der.Ctx(2)) {
		if _, err := p.kerberosTime(&seq, 2, "ctime"); err != nil {
			return err
		}
	}
	if seq.PeekASN1Tag(der.Ctx(3)) {
		if _, err := p.Integer(&seq, 3, "cusec", 0, 999999); err != nil {
			return err
		}
	}
	if k.STime, err = p.kerberosTime(&seq, 4, "stime"); err != nil {
		return err
	}
	if _, err := p.Integer(&seq, 5, "susec", 0, 999999); err != nil {
		return err
	}
	code, err := p.Integer(&seq, 6, "error-code", der.MinInt32, der.MaxInt32)
	if err != nil {
		return err
	}
	k.ErrorCode = int32(code)
	if seq.PeekASN1Tag(der.Ctx(7)) {
		if _, err := p.generalString(&seq, 7, "crealm"); err != nil {
			return err
		}
	}
	if seq.PeekASN1Tag(der.Ctx(8)) {
		if _, err := p.principal(&seq, 8, fieldsCName); err != nil {
			return err
		}
	}
	if k.Realm, err = p.generalString(&seq, 9, "realm"); err != nil {
		return err
	}
	if k.SName, err = p.principal(&seq, 10, fieldsSName); err != nil {
		return err
	}
	if seq.PeekASN1Tag(der.Ctx(11)) {
		if k.EText, err = p.generalString(&seq, 11, "e-text"); err != nil {
			return err
		}
	}
	if seq.PeekASN1Tag(der.Ctx(12)) {
		x, err := p.Explicit(&seq, 12, "e-data")
		if err != nil {
			return err
		}
		var d cryptobyte.String
		if err := p.Read(&x, &d, asn1.OCTET_STRING, "e-data"); err != nil {
			return err
		}
		k.EDataLen = len(d)
		if err := p.Done(x, "e-data"); err != nil {
			return err
		}
	}
	return p.Done(seq, "KRB-ERROR")
}

// kerberosTime reads "[n] KerberosTime" (GeneralizedTime, "YYYYMMDDHHMMSSZ").
func (p *parser) kerberosTime(s *cryptobyte.String, n uint8, field string) (time.Time, error) {
	x, err := p.Explicit(s, n, field)
	if err != nil {
		return time.Time{}, err
	}
	var v cryptobyte.String
	if err := p.Read(&x, &v, tagKerberosTime, field); err != nil {
		return time.Time{}, err
	}
	t, ok := parseKerberosTime(v)
	if !ok {
		return time.Time{}, p.Fail(field, v, "bad KerberosTime, want YYYYMMDDHHMMSSZ")
	}
	return t, p.Done(x, field)
}

// parseKerberosTime decodes "YYYYMMDDHHMMSSZ" without allocating.
func parseKerberosTime(v []byte) (time.Time, bool) {
	if len(v) != 15 || v[14] != 'Z' {
		return time.Time{}, false
	}
	var f [6]int
	widths := [6]int{4, 2, 2, 2, 2, 2}
	i := 0
	for j, w := range widths {
		for ; w > 0; w-- {
			c := v[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			f[j] = f[j]*10 + int(c-'0')
			i++
		}
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC)
	if t.Month() != time.Month(f[1]) || t.Day() != f[2] || t.Hour() != f[3] ||
		t.Minute() != f[4] || t.Second() != f[5] {
		return time.Time{}, false // out-of-range field normalized by time.Date
	}
	return t, true
}

// parseTGTReq reads a user-to-user KERB-TGT-REQUEST (U2U draft §4):
// SEQUENCE { pvno [0], msg-type [1] (16), server-name [2] OPTIONAL, realm [3] OPTIONAL }.
func (p *parser) parseTGTReq(b []byte, k *Kerberos) error {
	p.Token = "KERB-TGT-REQUEST"
	k.MsgType = MsgTypeTGTReq
	seq, err := p.u2uMessage(b, MsgTypeTGTReq)
	if err != nil {
		return err
	}
	if seq.PeekASN1Tag(der.Ctx(2)) {
		if k.SName, err = p.principal(&seq, 2, fieldsServerName); err != nil {
			return err
		}
	}
	if seq.PeekASN1Tag(der.Ctx(3)) {
		if k.Realm, err = p.generalString(&seq, 3, "realm"); err != nil {
			return err
		}
	}
	return p.Done(seq, "KERB-TGT-REQUEST")
}

// parseTGTRep reads a user-to-user KERB-TGT-REPLY (U2U draft §4):
// SEQUENCE { pvno [0], msg-type [1] (17), ticket [2] Ticket }.
func (p *parser) parseTGTRep(b []byte, k *Kerberos) error {
	p.Token = "KERB-TGT-REPLY"
	k.MsgType = MsgTypeTGTRep
	seq, err := p.u2uMessage(b, MsgTypeTGTRep)
	if err != nil {
		return err
	}
	if err := p.ticketField(&seq, 2, k); err != nil {
		return err
	}
	return p.Done(seq, "KERB-TGT-REPLY")
}

// u2uMessage reads the untagged SEQUENCE of a U2U message spanning all of b.
func (p *parser) u2uMessage(b []byte, msgType int32) (cryptobyte.String, error) {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	if err := p.Read(&s, &seq, asn1.SEQUENCE, "message"); err != nil {
		return nil, err
	}
	if err := p.Done(s, "message"); err != nil {
		return nil, err
	}
	if err := p.ExpectInt(&seq, 0, "pvno", 5); err != nil {
		return nil, err
	}
	return seq, p.ExpectInt(&seq, 1, "msg-type", int64(msgType))
}
