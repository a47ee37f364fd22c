//go:build !windows && cgo

package gssapi_unix

/*
#include <krb5.h>
#include "gss_shim.h"

krb5_error_code gn_kt_load(const char *src, const char *dst, void **out, int *count, char **msg);
void gn_kt_close(void *kt);
void gn_kt_retire(const char *name);
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

// DefaultKeytabCheckInterval is how often a Keytab looks at its file when
// KeytabConfig.CheckInterval is zero.
const DefaultKeytabCheckInterval = time.Second

// KeytabConfig configures LoadKeytab.
type KeytabConfig struct {
	// CheckInterval bounds how often the file is looked at (one stat) to
	// see whether it changed: at most once per interval, by the first
	// context started after the interval ran out. 0 means
	// DefaultKeytabCheckInterval; negative means never (Reload only).
	CheckInterval time.Duration
	// ReplayCache is passed to each credential as gss.WithReplayCache (MIT
	// only; "none:" turns MIT's replay cache off for this credential).
	ReplayCache string
}

// Keytab is an acceptor keytab held in the library's memory: the file is
// read once, copied entry by entry into a MEMORY: keytab, and the acceptor
// credential names that, so no accept opens the file (MIT's FILE keytab is
// read again on every accept). It implements gss.Credential: use it
// wherever an acceptor credential goes (negotiate.Config.Credential,
// gss.WithAcceptorCredential); every context takes the generation current
// when it starts.
//
// Rotation: when the file changes (its inode, size or modification time,
// looked at once per CheckInterval, or on Reload) a new generation is loaded
// into a new memory keytab with a new credential, and swapped in only once
// it is complete; contexts already started keep the old one. Both kvnos are
// accepted while both are in the file, which is how ktadd leaves it. Write
// the new file beside the old one and rename it over: a file read while it
// is being written may be refused (the old generation then stays) or, if it
// parses, lack keys until the next change.
//
// Polling rather than inotify: replacing a keytab by rename, a Kubernetes
// secret's symlink swap and a network file system all defeat a watch on the
// file, and one stat per second costs nothing next to a handshake.
type Keytab struct {
	path string
	cfg  KeytabConfig

	mu   sync.Mutex // serialises loads
	cur  atomic.Pointer[keytabGen]
	next atomic.Int64 // unix nanoseconds of the next check
	gens atomic.Int64 // generations loaded
	last atomic.Pointer[error]

	released atomic.Bool
}

// keytabGen is one loaded version of the file.
type keytabGen struct {
	name    string // MEMORY:…
	entries int
	stamp   fileStamp
	cred    *Credential
}

type fileStamp struct {
	ino, size int64
	mtime     time.Time
}

var _ gss.Credential = (*Keytab)(nil)

// keytabsRetired counts memory keytabs given back (tests).
var keytabsRetired atomic.Int64

// memKeytabSeq makes memory keytab names unique in the process.
var memKeytabSeq atomic.Int64

// LoadKeytab reads the keytab file at path ("FILE:" prefix optional) into
// memory and acquires the acceptor credential (any principal in it).
func LoadKeytab(path string, cfg KeytabConfig) (*Keytab, error) {
	path = strings.TrimPrefix(path, "FILE:")
	if cfg.CheckInterval == 0 {
		cfg.CheckInterval = DefaultKeytabCheckInterval
	}
	k := &Keytab{path: path, cfg: cfg}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, err := k.loadLocked(); err != nil {
		return nil, err
	}
	return k, nil
}

// Reload reads the file again if it changed since the last load and says
// whether a new generation is now in use. A failed load keeps the current
// generation.
func (k *Keytab) Reload() (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.loadLocked()
}

// Generations says how many versions of the file were loaded.
func (k *Keytab) Generations() int { return int(k.gens.Load()) }

// Entries says how many keys the current generation holds.
func (k *Keytab) Entries() int { return k.cur.Load().entries }

// LastError is the error of the last failed load, or nil when the last
// load succeeded.
func (k *Keytab) LastError() error {
	if p := k.last.Load(); p != nil {
		return *p
	}
	return nil
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	st.ino = inodeOf(fi)
	return st, nil
}

func (k *Keytab) loadLocked() (bool, error) {
	if k.released.Load() {
		return false, errUsage("LoadKeytab", gss.StatusNoCred, "keytab used after Release")
	}
	if k.cfg.CheckInterval > 0 {
		k.next.Store(time.Now().Add(k.cfg.CheckInterval).UnixNano())
	}
	err := k.load()
	if err == errUnchanged {
		return false, nil
	}
	if err != nil {
		k.last.Store(&err)
		return false, err
	}
	k.last.Store(nil)
	return true, nil
}

// load makes and installs a new generation unless the file is unchanged.
func (k *Keytab) load() error {
	before, err := stampOf(k.path)
	if err != nil {
		return fmt.Errorf("gssapi_unix: keytab: %w", err)
	}
	old := k.cur.Load()
	if old != nil && old.stamp == before {
		return errUnchanged
	}
	g := &keytabGen{name: fmt.Sprintf("MEMORY:gssnego-%d-%d", os.Getpid(), memKeytabSeq.Add(1)), stamp: before}
	src, dst := C.CString("FILE:"+k.path), C.CString(g.name)
	defer C.free(unsafe.Pointer(src))
	defer C.free(unsafe.Pointer(dst))
	var handle unsafe.Pointer
	var count C.int
	var msg *C.char
	if code := C.gn_kt_load(src, dst, &handle, &count, &msg); code != 0 {
		text := "unknown error"
		if msg != nil {
			text = C.GoString(msg)
			C.free(unsafe.Pointer(msg))
		}
		return fmt.Errorf("gssapi_unix: loading keytab %s: %s", k.path, text)
	}
	g.entries = int(count)
	// The credential takes its own reference to the memory keytab; ours
	// is closed once it has (Heimdal frees the keytab with its last handle).
	defer C.gn_kt_close(handle)
	retire := func() {
		keytabsRetired.Add(1)
		n := C.CString(g.name)
		C.gn_kt_retire(n)
		C.free(unsafe.Pointer(n))
	}
	if after, err := stampOf(k.path); err != nil || after != before {
		retire()
		return fmt.Errorf("gssapi_unix: keytab %s changed while it was read; replace it by rename", k.path)
	}
	if g.entries == 0 {
		retire()
		return fmt.Errorf("gssapi_unix: keytab %s has no keys", k.path)
	}
	cred, err := acquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly,
		gss.CredConfig{Keytab: g.name, ReplayCache: k.cfg.ReplayCache})
	if err != nil {
		retire()
		return err
	}
	cred.mu.Lock()
	cred.onFree = retire
	cred.mu.Unlock()
	g.cred = cred
	k.cur.Store(g)
	k.gens.Add(1)
	if old != nil {
		old.cred.Release() // freed when its last context closes
	}
	return nil
}

// errUnchanged is load's answer for a file that did not change.
var errUnchanged = errors.New("unchanged")

// maybeReload looks at the file if the interval ran out; one caller looks,
// the others go on with the current generation.
func (k *Keytab) maybeReload() {
	if k.cfg.CheckInterval < 0 || time.Now().UnixNano() < k.next.Load() || !k.mu.TryLock() {
		return
	}
	defer k.mu.Unlock()
	if time.Now().UnixNano() < k.next.Load() {
		return
	}
	k.next.Store(time.Now().Add(k.cfg.CheckInterval).UnixNano())
	if err := k.load(); err != nil && err != errUnchanged {
		k.last.Store(&err)
	} else if err == nil {
		k.last.Store(nil)
	}
}

// ref takes a reference on the current generation's credential for a new
// context.
func (k *Keytab) ref(op string) (*Credential, C.gss_cred_id_t, error) {
	if k.released.Load() {
		return nil, nil, errUsage(op, gss.StatusNoCred, "keytab used after Release")
	}
	k.maybeReload()
	for {
		g := k.cur.Load()
		h, err := g.cred.ref(op)
		if err == nil {
			return g.cred, h, nil
		}
		// A reload released this generation between Load and ref: take
		// the new one.
		if k.cur.Load() == g {
			return nil, nil, err
		}
	}
}

// Inquire describes the credential without asking the library: an
// acceptor credential for krb5 and any principal in the file (no name),
// with no expiry. (Heimdal 7.8 crashes in gss_display_name on the name
// gss_inquire_cred returns for a keytab credential imported without a
// principal.)
func (k *Keytab) Inquire() (*gss.CredInfo, error) {
	if k.released.Load() {
		return nil, errUsage("gss_inquire_cred", gss.StatusNoCred, "keytab used after Release")
	}
	return &gss.CredInfo{Usage: gss.CredAcceptOnly, Mechs: []gss.OID{gss.MechKRB5}}, nil
}

// Release frees the current credential (after its last context) and the
// memory keytab with it. It is safe to call more than once.
func (k *Keytab) Release() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.released.Swap(true) {
		k.cur.Load().cred.Release()
	}
	return nil
}
