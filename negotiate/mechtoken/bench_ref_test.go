package mechtoken

import (
	encasn1 "encoding/asn1"
	"testing"
)

// The reference for BenchmarkSniffAPReq: the same fields read with
// encoding/asn1's reflection (what gokrb5-style parsers do). Test-only.

type refEncData struct {
	Etype  int    `asn1:"explicit,tag:0"`
	KVNO   int    `asn1:"optional,explicit,tag:1"`
	Cipher []byte `asn1:"explicit,tag:2"`
}

type refPrincipal struct {
	NameType   int                `asn1:"explicit,tag:0"`
	NameString []encasn1.RawValue `asn1:"explicit,tag:1"`
}

type refTicket struct {
	TktVNO  int          `asn1:"explicit,tag:0"`
	Realm   string       `asn1:"generalstring,explicit,tag:1"`
	SName   refPrincipal `asn1:"explicit,tag:2"`
	EncPart refEncData   `asn1:"explicit,tag:3"`
}

type refAPReq struct {
	PVNO          int               `asn1:"explicit,tag:0"`
	MsgType       int               `asn1:"explicit,tag:1"`
	APOptions     encasn1.BitString `asn1:"explicit,tag:2"`
	Ticket        encasn1.RawValue  `asn1:"explicit,tag:3"`
	Authenticator refEncData        `asn1:"explicit,tag:4"`
}

func refParseAPReq(b []byte) (refAPReq, refTicket, error) {
	var req refAPReq
	var tkt refTicket
	if _, err := encasn1.UnmarshalWithParams(b, &req, "application,explicit,tag:14"); err != nil {
		return req, tkt, err
	}
	_, err := encasn1.UnmarshalWithParams(req.Ticket.Bytes, &tkt, "application,explicit,tag:1")
	return req, tkt, err
}

func TestReferenceParserAgrees(t *testing.T) {
	tok, _, _ := spnegoParts(loadHex(t, "mit/mit-a-default-aes256-01-i2a"))
	req, tkt, err := refParseAPReq(tok[17:])
	if err != nil {
		t.Fatal(err)
	}
	info, err := Sniff(tok)
	if err != nil {
		t.Fatal(err)
	}
	if req.Authenticator.Etype != int(info.Kerberos.Authenticator.Etype) || tkt.EncPart.Etype != int(info.Kerberos.Ticket.Etype) ||
		tkt.Realm != info.Kerberos.Realm.String() || tkt.EncPart.KVNO != int(info.Kerberos.Ticket.KVNO) {
		t.Fatalf("reference %+v %+v disagrees with %v", req, tkt, info)
	}
}

// BenchmarkReferenceAPReqEncodingASN1 reads the AP-REQ of BenchmarkSniffAPReq
// with encoding/asn1; compare ns/op and allocs/op with BenchmarkSniffAPReq.
func BenchmarkReferenceAPReqEncodingASN1(b *testing.B) {
	tok, _, _ := spnegoParts(loadHex(b, "mit/mit-a-default-aes256-01-i2a"))
	b.ReportAllocs()
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		if _, _, err := refParseAPReq(tok[17:]); err != nil {
			b.Fatal(err)
		}
	}
}
