//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

// Credential is an acquired GSS credential (gss_cred_id_t). It implements
// gss.Credential. Contexts started with it hold a reference, so Release
// while a handshake is running frees the native handle only after the last
// such context is closed.
type Credential struct {
	mu       sync.Mutex
	h        C.gss_cred_id_t
	refs     int
	released bool
	cleanup  runtime.Cleanup
	onFree   func() // after the native credential is freed (Keytab's memory keytab)
}

var _ gss.Credential = (*Credential)(nil)

func releaseCred(h C.gss_cred_id_t) {
	var minor C.OM_uint32
	C.gn_release_cred(&minor, &h)
}

func newCredential(h C.gss_cred_id_t) *Credential {
	c := &Credential{h: h}
	c.cleanup = runtime.AddCleanup(c, func(h C.gss_cred_id_t) {
		safetyNetRuns.Add(1)
		releaseCred(h)
	}, h)
	return c
}

// acquireCredential implements Provider.AcquireCredential.
func acquireCredential(name gss.Name, mechs []gss.OID, usage gss.CredUsage, cfg gss.CredConfig) (*Credential, error) {
	defer lockThread()()
	op := "gss_acquire_cred"
	switch {
	case cfg.Password != nil:
		op = "gss_acquire_cred_with_password"
		if cfg.CCache != "" || cfg.Keytab != "" || cfg.ClientKeytab != "" || cfg.ReplayCache != "" {
			return nil, errUsage(op, gss.StatusFailure, "a password cannot be combined with a ccache, keytab or replay cache")
		}
	case cfg.CCache != "" || cfg.Keytab != "" || cfg.ClientKeytab != "" || cfg.ReplayCache != "":
		op = credStoreOp
	}
	set, err := cOIDSet(op, mechs)
	if err != nil {
		return nil, err
	}
	defer func() {
		var minor C.OM_uint32
		C.gn_oidset_release(&minor, &set)
	}()
	var h C.gss_cred_id_t
	err = withName(op, name, func(nh C.gss_name_t) error {
		var minor, rec C.OM_uint32
		var major C.OM_uint32
		life, u := seconds(cfg.Lifetime), C.int(usage)
		switch op {
		case "gss_acquire_cred_with_password":
			pw := C.CString(*cfg.Password)
			n := C.size_t(len(*cfg.Password))
			major = C.gn_acquire_cred_password(&minor, nh, pw, n, life, set, u, &h, &rec)
			C.memset(unsafe.Pointer(pw), 0, n)
			C.free(unsafe.Pointer(pw))
		case credStoreOp:
			strs := []*C.char{cstr(cfg.CCache), cstr(cfg.Keytab), cstr(cfg.ClientKeytab), cstr(cfg.ReplayCache)}
			var unsupported *C.char
			major = C.gn_acquire_cred_store(&minor, nh, life, set, u, strs[0], strs[1], strs[2], strs[3], &h, &rec, &unsupported)
			for _, s := range strs {
				C.free(unsafe.Pointer(s))
			}
			if unsupported != nil {
				return errUsage(op, gss.Status(major), implementation+" does not support: "+C.GoString(unsupported))
			}
		default:
			major = C.gn_acquire_cred(&minor, nh, life, set, u, &h, &rec)
		}
		if isError(major) {
			var mech gss.OID
			if len(mechs) == 1 {
				mech = mechs[0]
			}
			return newError(op, major, minor, mech)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newCredential(h), nil
}

// cstr is C.CString, or NULL for "".
func cstr(s string) *C.char {
	if s == "" {
		return nil
	}
	return C.CString(s)
}

// ref takes a reference for a context; unref gives it back.
func (c *Credential) ref(op string) (C.gss_cred_id_t, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil, errUsage(op, gss.StatusNoCred, "credential used after Release")
	}
	c.refs++
	return c.h, nil
}

func (c *Credential) unref() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs--
	c.freeLocked()
}

func (c *Credential) freeLocked() {
	if c.released && c.refs == 0 && c.h != nil {
		c.cleanup.Stop()
		releaseCred(c.h)
		c.h = nil
		if c.onFree != nil {
			c.onFree()
		}
	}
}

// Release frees the native credential (after the last context using it is
// closed). It is safe to call more than once.
func (c *Credential) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	c.freeLocked()
	return nil
}

// Inquire returns the credential's name, usage, mechanisms and expiry. The
// name is left empty for credentials holding an NTLM element (gss-ntlmssp
// 1.2.0 crashes when asked for it).
func (c *Credential) Inquire() (*gss.CredInfo, error) {
	defer lockThread()()
	const op = "gss_inquire_cred"
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return nil, errUsage(op, gss.StatusNoCred, "credential used after Release")
	}
	var minor, life C.OM_uint32
	var name C.gss_name_t
	var usage C.int
	var mechs C.gss_OID_set
	major := C.gn_inquire_cred(&minor, c.h, cOID(gss.MechNTLMSSP), &name, &life, &usage, &mechs)
	if isError(major) {
		C.gn_oidset_release(&minor, &mechs)
		return nil, newError(op, major, minor, "")
	}
	info := &gss.CredInfo{Usage: gss.CredUsage(usage), Mechs: goOIDSet(&mechs), ExpiresAt: expiry(life)}
	if name != nil {
		info.Name, _, _ = displayName(name)
		releaseName(name)
	}
	runtime.KeepAlive(c)
	return info, nil
}
