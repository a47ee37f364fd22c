package kerberos

import (
	"fmt"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// realAPReqParts are the seed AP-REQ (MIT's) and its ticket's
// EncTicketPart and Authenticator in the clear, decrypted with the seed
// keytab by gokrb5.
func realAPReqParts(tb testing.TB) (apreq, encTicket, authenticator []byte) {
	kt := keytab.New()
	if err := unmarshalKeytab(kt, seed(tb, "keytab-kadmin")); err != nil {
		tb.Fatal(err)
	}
	_, msg, err := unframe(seed(tb, "apreq-mit"))
	if err != nil {
		tb.Fatal(err)
	}
	var ap messages.APReq
	if err := ap.Unmarshal(msg); err != nil {
		tb.Fatal(err)
	}
	key, err := (&acceptorKeys{kt: kt}).key(ap.Ticket.SName, ap.Ticket.Realm, ap.Ticket.EncPart.KVNO, ap.Ticket.EncPart.EType)
	if err != nil {
		tb.Fatal(err)
	}
	et, err := decryptUsage(key, keyusage.KDC_REP_TICKET, ap.Ticket.EncPart.Cipher, false)
	if err != nil {
		tb.Fatal(err)
	}
	var enc messages.EncTicketPart
	if err := enc.Unmarshal(et); err != nil {
		tb.Fatal(err)
	}
	au, err := decryptUsage(enc.Key, keyusage.AP_REQ_AUTHENTICATOR, ap.EncryptedAuthenticator.Cipher, false)
	if err != nil {
		tb.Fatal(err)
	}
	return msg, et, au
}

// sameDecode checks our cryptobyte decoders against gokrb5's on b: when
// ours takes a message, gokrb5 must take it too and read the same values.
func sameDecode(t *testing.T, b []byte) (took int) {
	var ours, theirs messages.APReq
	if parseAPReq(b, &ours) {
		took++
		if err := theirs.Unmarshal(b); err != nil {
			t.Fatalf("AP-REQ we read, gokrb5 refuses: %v", err)
		}
		if a, g := fmt.Sprintf("%v", ours), fmt.Sprintf("%v", theirs); a != g {
			t.Fatalf("AP-REQ differs:\nours   %s\ngokrb5 %s", a, g)
		}
	}
	var oe, te messages.EncTicketPart
	if parseEncTicketPart(b, &oe) {
		took++
		if err := te.Unmarshal(b); err != nil {
			t.Fatalf("EncTicketPart we read, gokrb5 refuses: %v", err)
		}
		if a, g := fmt.Sprintf("%v", oe), fmt.Sprintf("%v", te); a != g {
			t.Fatalf("EncTicketPart differs:\nours   %s\ngokrb5 %s", a, g)
		}
	}
	var oa, ta types.Authenticator
	if parseAuthenticator(b, &oa) {
		took++
		if err := ta.Unmarshal(b); err != nil {
			t.Fatalf("Authenticator we read, gokrb5 refuses: %v", err)
		}
		if a, g := fmt.Sprintf("%v", oa), fmt.Sprintf("%v", ta); a != g {
			t.Fatalf("Authenticator differs:\nours   %s\ngokrb5 %s", a, g)
		}
	}
	return took
}

// TestAPReqDecode: the real MIT AP-REQ, EncTicketPart and Authenticator
// are read by our decoders (not left to gokrb5's) with gokrb5's values.
func TestAPReqDecode(t *testing.T) {
	ap, et, au := realAPReqParts(t)
	for name, b := range map[string][]byte{"AP-REQ": ap, "EncTicketPart": et, "Authenticator": au} {
		if sameDecode(t, b) != 1 {
			t.Fatalf("%s: our decoder did not take MIT's message", name)
		}
	}
	// Truncated and BER-lengthened messages fall back to gokrb5.
	var x messages.APReq
	if parseAPReq(ap[:len(ap)-1], &x) {
		t.Fatal("truncated AP-REQ taken")
	}
}

// FuzzAPReqDecode: on any bytes our AP-REQ, EncTicketPart and
// Authenticator decoders never panic, and what they take gokrb5 reads
// the same.
func FuzzAPReqDecode(f *testing.F) {
	addAllSeeds(f)
	ap, et, au := realAPReqParts(f)
	f.Add(ap)
	f.Add(et)
	f.Add(au)
	f.Fuzz(func(t *testing.T, b []byte) {
		sameDecode(t, b)
	})
}
