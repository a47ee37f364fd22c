package kerberos

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// TestUsageCrypto checks the acceptor's own RFC 3962 key derivation
// against gokrb5's, both ways, for both AES-SHA1 enctypes, with and
// without the service-key cache, and that a changed byte is refused.
func TestUsageCrypto(t *testing.T) {
	for _, et := range []gss.Enctype{gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1, gss.EnctypeAES256SHA384, gss.EnctypeRC4HMAC} {
		size, _ := keySize(int32(et))
		kv := make([]byte, size)
		rand.Read(kv)
		key := types.EncryptionKey{KeyType: int32(et), KeyValue: kv}
		for _, usage := range []uint32{2, 7, 11, 12, 1023} {
			for _, n := range []int{0, 1, 15, 16, 17, 33, 200} {
				msg := make([]byte, n)
				rand.Read(msg)
				ed, err := crypto.GetEncryptedData(msg, key, usage, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, cache := range []bool{false, true, true} {
					got, err := decryptUsage(key, usage, ed.Cipher, cache)
					if err != nil || !bytes.Equal(got, msg) {
						t.Fatalf("%s usage %d len %d cache %v: decrypt of gokrb5's: %v", et, usage, n, cache, err)
					}
				}
				ed2, err := encryptUsage(key, usage, msg, nil)
				if err != nil || ed2.EType != key.KeyType {
					t.Fatal(err)
				}
				got, err := crypto.DecryptMessage(ed2.Cipher, key, usage)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("%s usage %d len %d: gokrb5 decrypt of ours: %v", et, usage, n, err)
				}
				bad := bytes.Clone(ed.Cipher)
				bad[len(bad)/2] ^= 1
				if _, err := decryptUsage(key, usage, bad, true); err == nil {
					t.Fatalf("%s usage %d len %d: tampered ciphertext accepted", et, usage, n)
				}
			}
		}
		// (gokrb5's own path panics on these; the acceptor's guard turns
		// that into an error.)
		if isAESSHA1(key.KeyType) && guard(func() error { _, err := decryptUsage(key, 2, []byte{1, 2, 3}, true); return err }) == nil {
			t.Fatalf("%s: short ciphertext accepted", et)
		}
	}
}
