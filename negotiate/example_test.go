package negotiate_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

func ExampleParse() {
	// A Windows Server 2008 acceptor's last NTLM reply to Windows XP:
	// "a1 07 30 05 a0 03 0a 01 00", accept-completed and nothing else.
	in, _ := hex.DecodeString("a1073005a0030a0100")
	tok, err := negotiate.Parse(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Kind, tok.NegState)

	// Build the initiator's first token and read it back.
	init := negotiate.Token{
		Kind:      negotiate.KindInit,
		MechTypes: []gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP},
		MechToken: []byte("AP-REQ goes here"),
	}
	b, _ := init.Marshal()
	tok, _ = negotiate.Parse(b)
	fmt.Println(tok.Kind, tok.MechTypes, hex.EncodeToString(tok.RawMechTypes[:4]))

	// Malformed input names field and offset.
	_, err = negotiate.Parse([]byte{0xa1, 0x81, 0x05, 0x30, 0x03, 0xa0, 0x01, 0x00})
	fmt.Println(err)
	// Output:
	// NegTokenResp accept-completed
	// NegTokenInit [1.2.840.48018.1.2.2 1.2.840.113554.1.2.2 1.3.6.1.4.1.311.2.2.10] 30220609
	// NegTokenResp: field negTokenResp at offset 0: non-minimal length encoding (5 in 1 octets)
}

func ExampleTranscript() {
	// curl --negotiate against Apache (MIT krb5, vectors/mit): an optimistic
	// AP-REQ accepted in one round trip. Under the Windows profile nobody owes
	// a mechListMIC.
	apReqInit, _ := os.ReadFile("testdata/vectors/mit/curl-01-i2a.hex")
	apRepResp, _ := os.ReadFile("testdata/vectors/mit/httpd-02-a2i.hex")
	tr := negotiate.NewTranscript(negotiate.Policy{Profile: negotiate.ProfileWindows})
	for i, h := range [][]byte{apReqInit, apRepResp} {
		b, _ := hex.DecodeString(strings.TrimSpace(string(h)))
		d := negotiate.InitiatorToAcceptor
		if i == 1 {
			d = negotiate.AcceptorToInitiator
		}
		r := tr.Add(d, b)
		fmt.Println(r.Direction, r.Kind, r.MechToken.Mech, r.MechToken.Message, r.MechToken.SessionEtype)
	}
	v := tr.Verdict
	fmt.Println(v.Result, v.Initiator.Due, v.Acceptor.Due, v.Etype.NewEnctype)

	// The strict profile wants MICs both ways and reports the missing ones.
	tr.Policy.Profile = negotiate.ProfileStrict
	v = tr.Evaluate()
	fmt.Println(v.Err())
	// Output:
	// i2a NegTokenInit krb5 AP-REQ aes256-cts-hmac-sha1-96
	// a2i NegTokenResp krb5 AP-REP aes256-cts-hmac-sha1-96
	// ok false false yes
	// negotiate: required mechListMIC missing: no mechListMIC from initiator (strict-profile), acceptor (strict-profile) (mic-missing)
}
