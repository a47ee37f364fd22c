package kerberos

import (
	"crypto/sha256"

	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// acceptorKeys are a keytab's keys in memory. With only nil any principal
// of the keytab is accepted (MIT's default with GSS_C_NO_NAME).
type acceptorKeys struct {
	path string
	kt   *keytab.Keytab
	only *name
}

func (a *acceptorKeys) display() string {
	if a.only != nil {
		return a.only.display
	}
	return ""
}

// key finds the key that decrypts a ticket for sname@realm, encrypted with
// etype under key version kvno (0: the newest the keytab has).
func (a *acceptorKeys) key(sname types.PrincipalName, realm string, kvno int, etype int32) (types.EncryptionKey, error) {
	const op = "AcceptSecContext"
	who := principalString(sname, realm)
	if a.only != nil && (!samePrincipal(a.only.princ, sname) || a.only.realm != "" && a.only.realm != realm) {
		return types.EncryptionKey{}, kerr(op, gss.StatusNoCred, minorKTNotFound, "ticket is for %s, the credential only accepts %s", who, a.only.display)
	}
	var princ, version bool
	var best types.EncryptionKey
	var bestKVNO uint32
	found := false
	for _, e := range a.kt.Entries {
		if e.Principal.Realm != realm || !samePrincipal(types.PrincipalName{NameString: e.Principal.Components}, sname) {
			continue
		}
		princ = true
		v := e.KVNO
		if v == 0 {
			v = uint32(e.KVNO8)
		}
		if kvno != 0 && v != uint32(kvno) && uint8(v) != uint8(kvno) {
			continue
		}
		version = true
		if e.Key.KeyType != etype {
			continue
		}
		if !found || v > bestKVNO {
			best, bestKVNO, found = e.Key, v, true
		}
	}
	switch {
	case !princ:
		return best, kerr(op, gss.StatusNoCred, minorKTNotFound, "no key for %s in keytab %s", who, a.path)
	case !version:
		return best, kerr(op, gss.StatusFailure, minorKTKVNONotFound, "request ticket server %s kvno %d not found in keytab %s; keytab is likely out of date", who, kvno, a.path)
	case !found:
		return best, kerr(op, gss.StatusFailure, minorKTNotFound, "no key for %s kvno %d of enctype %s in keytab %s", who, kvno, gss.Enctype(etype), a.path)
	}
	return best, nil
}

// replayCache remembers authenticators until they are too old to pass the
// clock-skew check, keyed on a hash of the authenticator ciphertext.
type replayCache struct {
	mu    sync.Mutex
	seen  map[[32]byte]time.Time
	sweep time.Time
}

// fresh records ct until expire; false when it was seen before.
func (r *replayCache) fresh(ct []byte, expire time.Time) bool {
	k := sha256.Sum256(ct)
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[[32]byte]time.Time{}
	}
	if now.After(r.sweep) {
		for h, t := range r.seen {
			if now.After(t) {
				delete(r.seen, h)
			}
		}
		r.sweep = now.Add(time.Minute)
	}
	if t, ok := r.seen[k]; ok && now.Before(t) {
		return false
	}
	r.seen[k] = expire
	return true
}
