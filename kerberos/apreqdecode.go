package kerberos

import (
	"time"

	gasn1 "github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// The acceptor reads an AP-REQ, its ticket's EncTicketPart and its
// Authenticator for every request; gokrb5's reflection-based decoder was
// the larger part of that. These read the DER every implementation sends
// into gokrb5's types on cryptobyte. Whatever they do not take (another
// encoding, a malformed message) goes to gokrb5's decoder, so that what
// is accepted and the errors given stay gokrb5's.

const tagGeneralString = asn1.Tag(27)

// unmarshalAPReq is messages.APReq.Unmarshal.
func unmarshalAPReq(b []byte, ap *messages.APReq) error {
	if parseAPReq(b, ap) {
		return nil
	}
	*ap = messages.APReq{}
	return ap.Unmarshal(b)
}

// unmarshalEncTicketPart is messages.EncTicketPart.Unmarshal.
func unmarshalEncTicketPart(b []byte, e *messages.EncTicketPart) error {
	if parseEncTicketPart(b, e) {
		return nil
	}
	*e = messages.EncTicketPart{}
	return e.Unmarshal(b)
}

// unmarshalAuthenticator is types.Authenticator.Unmarshal.
func unmarshalAuthenticator(b []byte, a *types.Authenticator) error {
	if parseAuthenticator(b, a) {
		return nil
	}
	*a = types.Authenticator{}
	return a.Unmarshal(b)
}

// field reads [n] EXPLICIT into out; present says whether it was there
// (an absent optional field is not an error).
func field(s *cryptobyte.String, n int, out *cryptobyte.String) (present, ok bool) {
	var inner cryptobyte.String
	var found bool
	if !s.ReadOptionalASN1(&inner, &found, explicit(n)) {
		return false, false
	}
	*out = inner
	return found, true
}

func readInt(s cryptobyte.String) (int64, bool) {
	var v int64
	return v, s.ReadASN1Integer(&v) && s.Empty()
}

func readInt32(s cryptobyte.String, out *int32) bool {
	v, ok := readInt(s)
	if !ok || v != int64(int32(v)) {
		return false
	}
	*out = int32(v)
	return true
}

func readOctets(s cryptobyte.String, out *[]byte) bool {
	var v cryptobyte.String
	if !s.ReadASN1(&v, asn1.OCTET_STRING) || !s.Empty() {
		return false
	}
	*out = v
	return true
}

func readGeneralString(s cryptobyte.String, out *string) bool {
	var v cryptobyte.String
	if !s.ReadASN1(&v, tagGeneralString) || !s.Empty() {
		return false
	}
	*out = string(v)
	return true
}

func readTime(s cryptobyte.String, out *time.Time) bool {
	var t time.Time
	if !s.ReadASN1GeneralizedTime(&t) || !s.Empty() {
		return false
	}
	*out = t
	return true
}

func readBitString(s cryptobyte.String, out *gasn1.BitString) bool {
	var bs cryptobyte.String
	if !s.ReadASN1(&bs, asn1.BIT_STRING) || !s.Empty() || len(bs) == 0 {
		return false
	}
	pad := int(bs[0])
	if pad > 7 || len(bs) == 1 && pad != 0 || len(bs) > 1 && bs[len(bs)-1]&(1<<pad-1) != 0 {
		return false
	}
	*out = gasn1.BitString{Bytes: bs[1:], BitLength: (len(bs)-1)*8 - pad}
	return true
}

// mandatory reads the required fields [n] of seq in order.
func mandatory(seq *cryptobyte.String, n int, f func(cryptobyte.String) bool) bool {
	var v cryptobyte.String
	present, ok := field(seq, n, &v)
	return ok && present && f(v)
}

func optional(seq *cryptobyte.String, n int, f func(cryptobyte.String) bool) bool {
	var v cryptobyte.String
	present, ok := field(seq, n, &v)
	return ok && (!present || f(v))
}

func readPrincipalName(s cryptobyte.String, p *types.PrincipalName) bool {
	var seq, names cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return false
	}
	if !mandatory(&seq, 0, func(v cryptobyte.String) bool { return readInt32(v, &p.NameType) }) {
		return false
	}
	if !mandatory(&seq, 1, func(v cryptobyte.String) bool { return v.ReadASN1(&names, asn1.SEQUENCE) && v.Empty() }) || !seq.Empty() {
		return false
	}
	p.NameString = []string{}
	for !names.Empty() {
		var n cryptobyte.String
		if !names.ReadASN1(&n, tagGeneralString) {
			return false
		}
		p.NameString = append(p.NameString, string(n))
	}
	return true
}

func readEncryptedData(s cryptobyte.String, e *types.EncryptedData) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return false
	}
	return mandatory(&seq, 0, func(v cryptobyte.String) bool { return readInt32(v, &e.EType) }) &&
		optional(&seq, 1, func(v cryptobyte.String) bool {
			n, ok := readInt(v)
			e.KVNO = int(n)
			return ok
		}) &&
		mandatory(&seq, 2, func(v cryptobyte.String) bool { return readOctets(v, &e.Cipher) }) &&
		seq.Empty()
}

func readEncryptionKey(s cryptobyte.String, k *types.EncryptionKey) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return false
	}
	return mandatory(&seq, 0, func(v cryptobyte.String) bool { return readInt32(v, &k.KeyType) }) &&
		mandatory(&seq, 1, func(v cryptobyte.String) bool { return readOctets(v, &k.KeyValue) }) &&
		seq.Empty()
}

// readTypedOctets reads SEQUENCE OF SEQUENCE { [0] Int32, [1] OCTET STRING },
// the shape of AuthorizationData and HostAddresses.
func readTypedOctets(s cryptobyte.String, add func(int32, []byte)) bool {
	var list cryptobyte.String
	if !s.ReadASN1(&list, asn1.SEQUENCE) || !s.Empty() {
		return false
	}
	for !list.Empty() {
		var e cryptobyte.String
		var t int32
		var d []byte
		if !list.ReadASN1(&e, asn1.SEQUENCE) ||
			!mandatory(&e, 0, func(v cryptobyte.String) bool { return readInt32(v, &t) }) ||
			!mandatory(&e, 1, func(v cryptobyte.String) bool { return readOctets(v, &d) }) || !e.Empty() {
			return false
		}
		add(t, d)
	}
	return true
}

func readAuthorizationData(s cryptobyte.String, ad *types.AuthorizationData) bool {
	*ad = types.AuthorizationData{}
	return readTypedOctets(s, func(t int32, d []byte) {
		*ad = append(*ad, types.AuthorizationDataEntry{ADType: t, ADData: d})
	})
}

func parseAPReq(b []byte, ap *messages.APReq) bool {
	s := cryptobyte.String(b)
	var app, seq cryptobyte.String
	if !s.ReadASN1(&app, application(14)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() {
		return false
	}
	var pvno, mt int64
	ok := mandatory(&seq, 0, func(v cryptobyte.String) bool { n, ok := readInt(v); pvno = n; return ok }) &&
		mandatory(&seq, 1, func(v cryptobyte.String) bool { n, ok := readInt(v); mt = n; return ok }) &&
		mandatory(&seq, 2, func(v cryptobyte.String) bool { return readBitString(v, &ap.APOptions) }) &&
		mandatory(&seq, 3, func(v cryptobyte.String) bool { return parseTicket(v, &ap.Ticket) }) &&
		mandatory(&seq, 4, func(v cryptobyte.String) bool { return readEncryptedData(v, &ap.EncryptedAuthenticator) }) &&
		seq.Empty()
	if !ok || mt != 14 || pvno != int64(int(pvno)) {
		return false // gokrb5 says why
	}
	ap.PVNO, ap.MsgType = int(pvno), int(mt)
	return true
}

func parseTicket(s cryptobyte.String, t *messages.Ticket) bool {
	var app, seq cryptobyte.String
	if !s.ReadASN1(&app, application(1)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() {
		return false
	}
	return mandatory(&seq, 0, func(v cryptobyte.String) bool { n, ok := readInt(v); t.TktVNO = int(n); return ok }) &&
		mandatory(&seq, 1, func(v cryptobyte.String) bool { return readGeneralString(v, &t.Realm) }) &&
		mandatory(&seq, 2, func(v cryptobyte.String) bool { return readPrincipalName(v, &t.SName) }) &&
		mandatory(&seq, 3, func(v cryptobyte.String) bool { return readEncryptedData(v, &t.EncPart) }) &&
		seq.Empty()
}

func parseEncTicketPart(b []byte, e *messages.EncTicketPart) bool {
	s := cryptobyte.String(b)
	var app, seq cryptobyte.String
	if !s.ReadASN1(&app, application(3)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() {
		return false
	}
	return mandatory(&seq, 0, func(v cryptobyte.String) bool { return readBitString(v, &e.Flags) }) &&
		mandatory(&seq, 1, func(v cryptobyte.String) bool { return readEncryptionKey(v, &e.Key) }) &&
		mandatory(&seq, 2, func(v cryptobyte.String) bool { return readGeneralString(v, &e.CRealm) }) &&
		mandatory(&seq, 3, func(v cryptobyte.String) bool { return readPrincipalName(v, &e.CName) }) &&
		mandatory(&seq, 4, func(v cryptobyte.String) bool {
			var tr cryptobyte.String
			return v.ReadASN1(&tr, asn1.SEQUENCE) && v.Empty() &&
				mandatory(&tr, 0, func(v cryptobyte.String) bool { return readInt32(v, &e.Transited.TRType) }) &&
				mandatory(&tr, 1, func(v cryptobyte.String) bool { return readOctets(v, &e.Transited.Contents) }) &&
				tr.Empty()
		}) &&
		mandatory(&seq, 5, func(v cryptobyte.String) bool { return readTime(v, &e.AuthTime) }) &&
		optional(&seq, 6, func(v cryptobyte.String) bool { return readTime(v, &e.StartTime) }) &&
		mandatory(&seq, 7, func(v cryptobyte.String) bool { return readTime(v, &e.EndTime) }) &&
		optional(&seq, 8, func(v cryptobyte.String) bool { return readTime(v, &e.RenewTill) }) &&
		optional(&seq, 9, func(v cryptobyte.String) bool {
			e.CAddr = types.HostAddresses{}
			return readTypedOctets(v, func(t int32, d []byte) {
				e.CAddr = append(e.CAddr, types.HostAddress{AddrType: t, Address: d})
			})
		}) &&
		optional(&seq, 10, func(v cryptobyte.String) bool { return readAuthorizationData(v, &e.AuthorizationData) }) &&
		seq.Empty()
}

func parseAuthenticator(b []byte, a *types.Authenticator) bool {
	s := cryptobyte.String(b)
	var app, seq cryptobyte.String
	if !s.ReadASN1(&app, application(2)) || !s.Empty() || !app.ReadASN1(&seq, asn1.SEQUENCE) || !app.Empty() {
		return false
	}
	return mandatory(&seq, 0, func(v cryptobyte.String) bool { n, ok := readInt(v); a.AVNO = int(n); return ok }) &&
		mandatory(&seq, 1, func(v cryptobyte.String) bool { return readGeneralString(v, &a.CRealm) }) &&
		mandatory(&seq, 2, func(v cryptobyte.String) bool { return readPrincipalName(v, &a.CName) }) &&
		optional(&seq, 3, func(v cryptobyte.String) bool {
			var ck cryptobyte.String
			return v.ReadASN1(&ck, asn1.SEQUENCE) && v.Empty() &&
				mandatory(&ck, 0, func(v cryptobyte.String) bool { return readInt32(v, &a.Cksum.CksumType) }) &&
				mandatory(&ck, 1, func(v cryptobyte.String) bool { return readOctets(v, &a.Cksum.Checksum) }) &&
				ck.Empty()
		}) &&
		mandatory(&seq, 4, func(v cryptobyte.String) bool { n, ok := readInt(v); a.Cusec = int(n); return ok }) &&
		mandatory(&seq, 5, func(v cryptobyte.String) bool { return readTime(v, &a.CTime) }) &&
		optional(&seq, 6, func(v cryptobyte.String) bool { return readEncryptionKey(v, &a.SubKey) }) &&
		optional(&seq, 7, func(v cryptobyte.String) bool { n, ok := readInt(v); a.SeqNumber = n; return ok }) &&
		optional(&seq, 8, func(v cryptobyte.String) bool { return readAuthorizationData(v, &a.AuthorizationData) }) &&
		seq.Empty()
}
