package kerberos

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// krbCredSeeds returns a KRB-CRED as MIT sends it (enc-part encrypted in
// key) and the same credential as Heimdal's initiator sends it (enc-part in
// the clear, etype 0), with the key.
func krbCredSeeds(t testing.TB) (mit, heimdal []byte, key types.EncryptionKey) {
	t.Helper()
	key = types.EncryptionKey{KeyType: 18, KeyValue: bytes.Repeat([]byte{7}, 32)}
	now := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	tgt := &ticket{
		tkt: messages.Ticket{TktVNO: 5, Realm: "GSSNEGO.TEST",
			SName:   types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", "GSSNEGO.TEST"}},
			EncPart: types.EncryptedData{EType: 18, KVNO: 1, Cipher: bytes.Repeat([]byte{1}, 64)}},
		key:   types.EncryptionKey{KeyType: 18, KeyValue: bytes.Repeat([]byte{9}, 32)},
		start: now, end: now.Add(10 * time.Hour), flags: []byte{0x40, 0x81, 0, 0},
	}
	alice := types.PrincipalName{NameType: nametype.KRB_NT_PRINCIPAL, NameString: []string{"alice"}}
	mit, err := marshalKRBCred(tgt, alice, "GSSNEGO.TEST", key)
	if err != nil {
		t.Fatal(err)
	}
	var kc messages.KRBCred
	if err := kc.Unmarshal(mit); err != nil {
		t.Fatal(err)
	}
	plain, err := crypto.DecryptEncPart(kc.EncPart, key, keyusage.KRB_CRED_ENCPART)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := tgt.tkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(application(22), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(5) })
			b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1Int64(22) })
			b.AddASN1(explicit(2), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(tb) })
			})
			b.AddASN1(explicit(3), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(0) })
					b.AddASN1(explicit(2), func(b *cryptobyte.Builder) { b.AddASN1OctetString(plain) })
				})
			})
		})
	})
	return mit, b.BytesOrPanic(), key
}

// TestDelegatedCredentialClearEncPart: the acceptor reads both forms of
// KRB-CRED to the same credential; a clear enc-part needs no key.
func TestDelegatedCredentialClearEncPart(t *testing.T) {
	mit, heimdal, key := krbCredSeeds(t)
	for name, c := range map[string]struct {
		b    []byte
		keys []*types.EncryptionKey
	}{"MIT": {mit, []*types.EncryptionKey{&key}}, "Heimdal": {heimdal, nil}} {
		cred, err := delegatedCredential(nil, c.b, c.keys...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := cred.client.PrincipalNameString() + "@" + cred.realm; got != "alice@GSSNEGO.TEST" {
			t.Errorf("%s: client %s", name, got)
		}
		if cred.tgt == nil || cred.tgt.tkt.SName.PrincipalNameString() != "krbtgt/GSSNEGO.TEST" || cred.tgt.key.KeyType != 18 {
			t.Errorf("%s: forwarded TGT %+v", name, cred.tgt)
		}
	}
	if _, err := delegatedCredential(nil, mit); err == nil {
		t.Error("an encrypted enc-part without a key was accepted")
	}
}

func FuzzKRBCred(f *testing.F) {
	mit, heimdal, key := krbCredSeeds(f)
	f.Add(mit)
	f.Add(heimdal)
	f.Fuzz(func(t *testing.T, b []byte) {
		cred, err := delegatedCredential(nil, b, &key)
		if err == nil && (cred == nil || cred.tgt == nil) {
			t.Fatal("no error, no forwarded ticket")
		}
	})
}
