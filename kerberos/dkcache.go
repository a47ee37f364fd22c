package kerberos

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"

	"github.com/jcmturner/aescts/v2"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/crypto/rfc3961"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// The acceptor decrypts a ticket (usage 2) and an authenticator (usage 11)
// and encrypts an AP-REP (usage 12) for every request. gokrb5 derives the
// RFC 3961 keys Ke and Ki for each, and most of that time is the n-fold
// of the five-byte usage constant, which does not depend on the key. For
// the RFC 3962 enctypes (aes128/aes256-cts-hmac-sha1-96, the ones nearly
// every peer uses) the n-folded constants are kept here, and the derived
// keys of the service keys (few, long-lived) too; the cipher itself is
// still gokrb5's (aescts). Other enctypes take gokrb5's path unchanged.

const (
	aesSHA1HashLen   = 12 // HMAC-SHA1-96
	aesSHA1BlockSize = 16 // also the confounder length
)

// nfolded holds n-fold(usage || kind, 128) per constant.
var nfolded sync.Map // uint64(usage)<<8|kind -> []byte

func nfoldConstant(usage uint32, kind byte) []byte {
	k := uint64(usage)<<8 | uint64(kind)
	if v, ok := nfolded.Load(k); ok {
		return v.([]byte)
	}
	c := []byte{byte(usage >> 24), byte(usage >> 16), byte(usage >> 8), byte(usage), kind}
	n := rfc3961.Nfold(c, aesSHA1BlockSize*8)
	nfolded.Store(k, n)
	return n
}

// deriveAES is DK(key, constant) of RFC 3961 for the RFC 3962 enctypes:
// AES (one block, zero IV, so a plain block encryption) iterated over the
// n-folded constant until the key length is reached; random-to-key is
// the identity.
func deriveAES(key []byte, usage uint32, kind byte) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(key)+aesSHA1BlockSize)
	in := nfoldConstant(usage, kind)
	for len(out) < len(key) {
		var b [aesSHA1BlockSize]byte
		blk.Encrypt(b[:], in)
		out = append(out, b[:]...)
		in = out[len(out)-aesSHA1BlockSize:]
	}
	return out[:len(key)], nil
}

// usageKeys are Ke and Ki of one key and usage.
type usageKeys struct{ ke, ki []byte }

func deriveUsageKeys(key []byte, usage uint32) (usageKeys, error) {
	ke, err := deriveAES(key, usage, 0xAA)
	if err != nil {
		return usageKeys{}, err
	}
	ki, err := deriveAES(key, usage, 0x55)
	if err != nil {
		return usageKeys{}, err
	}
	return usageKeys{ke, ki}, nil
}

// serviceKeyCache keeps the derived keys of service keys (the keytab's,
// for usage 2). It is bounded so that a changing keytab cannot grow it.
var serviceKeyCache struct {
	sync.RWMutex
	m map[string]usageKeys // usage byte + key bytes
}

const serviceKeyCacheMax = 256

func cachedUsageKeys(key []byte, usage uint32) (usageKeys, error) {
	var kb [1 + 32]byte
	if usage > 255 || len(key) > 32 {
		return deriveUsageKeys(key, usage)
	}
	kb[0] = byte(usage)
	id := kb[:1+copy(kb[1:], key)]
	serviceKeyCache.RLock()
	uk, ok := serviceKeyCache.m[string(id)]
	serviceKeyCache.RUnlock()
	if ok {
		return uk, nil
	}
	uk, err := deriveUsageKeys(key, usage)
	if err != nil {
		return uk, err
	}
	serviceKeyCache.Lock()
	if serviceKeyCache.m == nil || len(serviceKeyCache.m) >= serviceKeyCacheMax {
		serviceKeyCache.m = map[string]usageKeys{}
	}
	serviceKeyCache.m[string(id)] = uk
	serviceKeyCache.Unlock()
	return uk, nil
}

func isAESSHA1(etype int32) bool {
	return etype == int32(gss.EnctypeAES128SHA1) || etype == int32(gss.EnctypeAES256SHA1)
}

var errIntegrity = errors.New("integrity verification failed")

// decryptUsage is crypto.DecryptMessage; cache keeps the derived keys of
// key (service keys only: session keys are new every request).
func decryptUsage(key types.EncryptionKey, usage uint32, ct []byte, cache bool) ([]byte, error) {
	if !isAESSHA1(key.KeyType) || len(key.KeyValue) != keyLenAESSHA1(key.KeyType) {
		return crypto.DecryptMessage(ct, key, usage)
	}
	if len(ct) < aesSHA1BlockSize+aesSHA1HashLen {
		return nil, errors.New("error decrypting: ciphertext too short")
	}
	var uk usageKeys
	var err error
	if cache {
		uk, err = cachedUsageKeys(key.KeyValue, usage)
	} else {
		uk, err = deriveUsageKeys(key.KeyValue, usage)
	}
	if err != nil {
		return nil, err
	}
	body, mac := ct[:len(ct)-aesSHA1HashLen], ct[len(ct)-aesSHA1HashLen:]
	var iv [aesSHA1BlockSize]byte
	plain, err := aescts.Decrypt(uk.ke, iv[:], body)
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha1.New, uk.ki)
	h.Write(plain)
	var sum [sha1.Size]byte
	if subtle.ConstantTimeCompare(h.Sum(sum[:0])[:aesSHA1HashLen], mac) != 1 {
		return nil, errIntegrity
	}
	return plain[aesSHA1BlockSize:], nil
}

// encryptUsage is crypto.GetEncryptedData (kvno 0) for a session key;
// confounder is its 16 random bytes (nil: read here).
func encryptUsage(key types.EncryptionKey, usage uint32, plain, confounder []byte) (types.EncryptedData, error) {
	if !isAESSHA1(key.KeyType) || len(key.KeyValue) != keyLenAESSHA1(key.KeyType) {
		return crypto.GetEncryptedData(plain, key, usage, 0)
	}
	uk, err := deriveUsageKeys(key.KeyValue, usage)
	if err != nil {
		return types.EncryptedData{}, err
	}
	msg := make([]byte, aesSHA1BlockSize+len(plain))
	if len(confounder) == aesSHA1BlockSize {
		copy(msg, confounder)
	} else if _, err := rand.Read(msg[:aesSHA1BlockSize]); err != nil {
		return types.EncryptedData{}, err
	}
	copy(msg[aesSHA1BlockSize:], plain)
	var iv [aesSHA1BlockSize]byte
	_, ct, err := aescts.Encrypt(uk.ke, iv[:], msg)
	if err != nil {
		return types.EncryptedData{}, err
	}
	h := hmac.New(sha1.New, uk.ki)
	h.Write(msg)
	ct = append(ct, h.Sum(nil)[:aesSHA1HashLen]...)
	return types.EncryptedData{EType: key.KeyType, Cipher: ct}, nil
}

func keyLenAESSHA1(etype int32) int {
	if etype == int32(gss.EnctypeAES128SHA1) {
		return 16
	}
	return 32
}

// decryptTicket is messages.Ticket.Decrypt with the service key's derived
// keys kept.
func decryptTicket(t *messages.Ticket, key types.EncryptionKey) error {
	b, err := decryptUsage(key, keyusage.KDC_REP_TICKET, t.EncPart.Cipher, true)
	if err != nil {
		return fmt.Errorf("error decrypting Ticket EncPart: %v", err)
	}
	var enc messages.EncTicketPart
	if err := unmarshalEncTicketPart(b, &enc); err != nil {
		return fmt.Errorf("error unmarshaling encrypted part: %v", err)
	}
	t.DecryptedEncPart = enc
	return nil
}

// decryptAuthenticator is messages.APReq.DecryptAuthenticator: usage 7
// for a TGS-REQ's authenticator (a ticket for krbtgt), else 11.
func decryptAuthenticator(ap *messages.APReq, session types.EncryptionKey) error {
	usage := uint32(keyusage.AP_REQ_AUTHENTICATOR)
	if len(ap.Ticket.SName.NameString) > 0 && ap.Ticket.SName.NameString[0] == "krbtgt" {
		usage = keyusage.TGS_REQ_PA_TGS_REQ_AP_REQ_AUTHENTICATOR
	}
	b, err := decryptUsage(session, usage, ap.EncryptedAuthenticator.Cipher, false)
	if err != nil {
		return fmt.Errorf("error decrypting authenticator: %v", err)
	}
	if err := unmarshalAuthenticator(b, &ap.Authenticator); err != nil {
		return fmt.Errorf("error unmarshaling authenticator: %v", err)
	}
	return nil
}
