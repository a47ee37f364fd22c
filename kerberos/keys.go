package kerberos

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/replay"
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

// replayCacheNone is the replay cache name (gss.WithReplayCache) that turns
// this provider's own cache off for an acceptor credential, as MIT's
// "none:" type does.
const replayCacheNone = "none:"

// ReplayCacheOff implements replay.NativeCacheDisabler: an acceptor
// credential acquired with these options skips this provider's own cache,
// so that a replay.Provider wrapping it is the only one (and its store,
// e.g. Redis, the one that decides).
func (p *Provider) ReplayCacheOff() ([]gss.CredOption, bool) {
	return []gss.CredOption{gss.WithReplayCache(replayCacheNone)}, true
}

var _ replay.NativeCacheDisabler = (*Provider)(nil)

// replayCache remembers authenticators until they are too old to pass the
// clock-skew check: a replay.Store (a replay.Memory unless
// Provider.SetReplayStore chose another, e.g. replay/redisstore for a
// fleet) keyed on a hash of the authenticator cipher text, as package
// replay keys every acceptor.
type replayCache struct {
	mu    sync.Mutex
	store replay.Store
}

func (r *replayCache) get() replay.Store {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.store == nil {
		r.store = replay.NewMemory(0)
	}
	return r.store
}

func (r *replayCache) set(s replay.Store) {
	r.mu.Lock()
	r.store = s
	r.mu.Unlock()
}

// check records ct until expire (the authenticator's time plus the skew:
// this acceptor knows it, so the entry lives no longer than needed). The
// error is a *gss.Error with the duplicate-token bit for a replay, the
// store's *replay.UnavailableError when it cannot answer.
func (r *replayCache) check(op string, ct []byte, now, expire time.Time) error {
	ttl := expire.Sub(now)
	if ttl <= 0 {
		ttl = time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), replay.DefaultTimeout)
	defer cancel()
	store := r.get()
	switch err := store.CheckAndInsert(ctx, replay.KeyOf(ct), ttl); {
	case err == nil:
		return nil
	case errors.Is(err, replay.ErrReplay):
		return kerr(op, gss.StatusDuplicateToken|gss.StatusFailure, minorRepeat, "request is a replay")
	default:
		var ue *replay.UnavailableError
		if errors.As(err, &ue) {
			return err
		}
		return &replay.UnavailableError{Store: replay.StoreName(store), Err: err}
	}
}
