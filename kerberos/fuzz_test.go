package kerberos

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// Fuzz targets for every parser of this package and every gokrb5 decoder
// it calls on untrusted bytes. Seeds: testdata/seed-* (made by MIT's
// kinit, kadmin and library: TestWriteFuzzSeeds) and tokens built here.

func seed(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "seed-"+name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func addAllSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "seed-*"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzUnframe(f *testing.F) {
	addAllSeeds(f)
	f.Add(frame(tokAPRep, []byte{1, 2, 3}))
	// ReadTicket (inspect/audit -keytab) takes the same tokens: it must
	// name a reason, never panic, whatever the bytes.
	sk := &ServiceKeys{keys: acceptorKeys{kt: keytab.New()}}
	f.Fuzz(func(t *testing.T, b []byte) {
		if ti := sk.ReadTicket(b); ti.Reason == "" {
			t.Fatalf("ticket read without a key")
		}
		tok, msg, err := unframe(b)
		if err != nil {
			return
		}
		if again := frame(tok, msg); len(again) > len(b) {
			t.Fatalf("re-framed token longer than input")
		}
	})
}

func FuzzGSSChecksum(f *testing.F) {
	f.Add(gssChecksum(gss.FlagMutual|gss.FlagInteg, &gss.ChannelBindings{ApplicationData: []byte("tls-server-end-point:x")}, nil))
	f.Add(gssChecksum(gss.FlagDeleg, nil, []byte("abc")))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseGSSChecksum(b)
		if err == nil && len(c.deleg) > len(b) {
			t.Fatal("delegation field longer than input")
		}
	})
}

func FuzzEncAPRepPart(f *testing.F) {
	k := types.EncryptionKey{KeyType: 18, KeyValue: make([]byte, 32)}
	b, _ := marshalEncAPRepPart(time.Unix(1700000000, 0), 123456, &k, 42)
	f.Add(b)
	b, _ = marshalEncAPRepPart(time.Unix(1700000000, 0), 0, nil, 0xffffffff)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseEncAPRepPart(b)
		if err != nil {
			return
		}
		out, err := marshalEncAPRepPart(r.ctime, int(r.cusec), r.subkey, r.seq)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := parseEncAPRepPart(out)
		if err != nil || !r2.ctime.Equal(r.ctime) || r2.seq != r.seq {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzAPRep(f *testing.F) {
	if _, msg, err := unframe(seed(f, "aprep-mit")); err == nil {
		f.Add(msg)
	}
	b, _ := marshalAPRep(18, []byte("cipher"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		et, ct, err := parseAPRep(b)
		if err != nil {
			return
		}
		out, err := marshalAPRep(et, ct)
		if err != nil {
			t.Fatal(err)
		}
		et2, ct2, err := parseAPRep(out)
		if err != nil || et2 != et || !bytes.Equal(ct, ct2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzCCache(f *testing.F) {
	f.Add(seed(f, "ccache-mit-kinit"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cc, err := parseCCache(b)
		if err != nil {
			return
		}
		for _, e := range cc.entries {
			var tkt messages.Ticket
			_ = guard(func() error { return tkt.Unmarshal(e.ticket) })
		}
	})
}

func TestCCacheSeed(t *testing.T) {
	cc, err := parseCCache(seed(t, "ccache-mit-kinit"))
	if err != nil {
		t.Fatal(err)
	}
	if principalString(cc.def.name, cc.def.realm) != "alice@GSSNEGO.TEST" {
		t.Fatalf("default principal %v", cc.def)
	}
	var tgt bool
	for _, e := range cc.entries {
		if !e.isConfigEntry() && e.server.name.NameString[0] == "krbtgt" {
			tgt = len(e.key.KeyValue) > 0 && len(e.ticket) > 0 && e.end.After(e.start)
		}
	}
	if !tgt {
		t.Fatal("no TGT in kinit's cache")
	}
}

func FuzzKeytab(f *testing.F) {
	f.Add(seed(f, "keytab-kadmin"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kt := keytab.New()
		if unmarshalKeytab(kt, b) != nil {
			return
		}
		a := &acceptorKeys{kt: kt}
		for _, e := range kt.Entries {
			_, _ = a.key(types.PrincipalName{NameString: e.Principal.Components}, e.Principal.Realm, 0, e.Key.KeyType)
		}
	})
}

// FuzzAccept feeds context tokens to an acceptor holding the seed keytab,
// with its clock set to the seed ticket's time so a real AP-REQ gets
// through every check; it must never panic.
func FuzzAccept(f *testing.F) {
	addAllSeeds(f)
	kt := keytab.New()
	if err := unmarshalKeytab(kt, seed(f, "keytab-kadmin")); err != nil {
		f.Fatal(err)
	}
	offset := seedTicketOffset(f, kt)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &Provider{clockOffset: offset}
		p.cfgPinned = true // no krb5.conf: default clockskew
		c := &secContext{p: p, cred: &Credential{acceptor: &acceptorKeys{kt: kt}}}
		out, err := c.Continue(b)
		if err == nil && !c.established {
			t.Fatal("no error, not established")
		}
		if err == nil && len(out) > 0 {
			if _, _, ferr := unframe(out); ferr != nil {
				t.Fatalf("acceptor made an unframed token: %v", ferr)
			}
		}
	})
}

// seedTicketOffset is the clock offset that puts "now" at the seed
// AP-REQ's authenticator time.
func seedTicketOffset(f *testing.F, kt *keytab.Keytab) time.Duration {
	_, msg, err := unframe(seed(f, "apreq-mit"))
	if err != nil {
		f.Fatal(err)
	}
	var ap messages.APReq
	if err := ap.Unmarshal(msg); err != nil {
		f.Fatal(err)
	}
	key, err := (&acceptorKeys{kt: kt}).key(ap.Ticket.SName, ap.Ticket.Realm, ap.Ticket.EncPart.KVNO, ap.Ticket.EncPart.EType)
	if err != nil {
		f.Fatal(err)
	}
	if err := ap.Ticket.Decrypt(key); err != nil {
		f.Fatal(err)
	}
	if err := ap.DecryptAuthenticator(ap.Ticket.DecryptedEncPart.Key); err != nil {
		f.Fatal(err)
	}
	return time.Until(ap.Authenticator.CTime)
}

func TestSeedAPReqAccepted(t *testing.T) {
	kt := keytab.New()
	if err := unmarshalKeytab(kt, seed(t, "keytab-kadmin")); err != nil {
		t.Fatal(err)
	}
	_, msg, _ := unframe(seed(t, "apreq-mit"))
	var ap messages.APReq
	if err := ap.Unmarshal(msg); err != nil {
		t.Fatal(err)
	}
	key, err := (&acceptorKeys{kt: kt}).key(ap.Ticket.SName, ap.Ticket.Realm, ap.Ticket.EncPart.KVNO, ap.Ticket.EncPart.EType)
	if err != nil {
		t.Fatal(err)
	}
	if err := ap.Ticket.Decrypt(key); err != nil {
		t.Fatal(err)
	}
	if err := ap.DecryptAuthenticator(ap.Ticket.DecryptedEncPart.Key); err != nil {
		t.Fatal(err)
	}
	p := &Provider{clockOffset: time.Until(ap.Authenticator.CTime)}
	p.cfgPinned = true
	c := &secContext{p: p, cred: &Credential{acceptor: &acceptorKeys{kt: kt}}}
	out, err := c.Continue(seed(t, "apreq-mit"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 || !c.established {
		t.Fatal("MIT's AP-REQ (mutual) not answered with an AP-REP")
	}
}

// FuzzInitReply feeds replies to an initiator waiting for its AP-REP.
func FuzzInitReply(f *testing.F) {
	addAllSeeds(f)
	ke := messages.NewKRBError(types.PrincipalName{}, "", 37, "")
	if b, err := ke.Marshal(); err == nil {
		f.Add(frame(tokKRBError, b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &secContext{p: &Provider{}, initiator: true, started: true,
			sessionKey: types.EncryptionKey{KeyType: 18, KeyValue: make([]byte, 32)}}
		_, _ = c.Continue(b)
	})
}

// FuzzPerMessage feeds MIC and wrap tokens to established contexts of
// both directions; tokens made by the peer context must verify.
func FuzzPerMessage(f *testing.F) {
	addAllSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, et := range []int32{17, 18, 19, 20, 23} {
			n, _ := keySize(et)
			k := types.EncryptionKey{KeyType: et, KeyValue: bytes.Repeat([]byte{7}, n)}
			ini := &secContext{p: &Provider{}, initiator: true, established: true, accSubkey: &k}
			acc := &secContext{p: &Provider{}, established: true, accSubkey: &k}
			_ = ini.VerifyMIC([]byte("seed"), b)
			_, _, _ = ini.Unwrap(b)
			mic, err := acc.GetMIC(b)
			if err != nil || ini.VerifyMIC(b, mic) != nil {
				t.Fatalf("%d: own MIC: %v", et, err)
			}
			for _, conf := range []bool{true, false} {
				w, _, err := acc.Wrap(b, conf)
				if err != nil {
					t.Fatal(err)
				}
				got, _, err := ini.Unwrap(w)
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("%d conf=%v: own wrap: %v", et, conf, err)
				}
			}
		}
	})
}

func FuzzAuthorizationData(f *testing.F) {
	ad := etypeNegotiationAD([]int32{18, 17, 20}, 23)
	f.Add(ad[0].ADData)
	f.Add(marshalAD(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := parseAD(b)
		if err != nil {
			return
		}
		if _, err := parseAD(marshalAD(entries)); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		_ = negotiatedEtype(types.AuthorizationData{{ADType: adIfRelevant, ADData: b}}, supportedEtypes, 0)
	})
}
