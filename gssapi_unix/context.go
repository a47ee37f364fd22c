//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

// SecContext is a GSS security context (gss_ctx_id_t), initiator or
// acceptor. It implements gss.SecContext. A mutex serialises every call, so
// a context may be shared by goroutines; after Close or Export every call
// fails with gss.ErrNoContext.
type SecContext struct {
	mu          sync.Mutex
	res         *ctxResources
	initiator   bool
	closed      bool
	established bool
	started     bool
	failed      bool    // a step failed and the native context was deleted
	reqMech     gss.OID // initiator: the mechanism asked for
	mech        gss.OID // requested, then the mechanism actually in use
	reqFlags    C.OM_uint32
	lifetime    C.OM_uint32
	flags       gss.Flags
	expires     time.Time
	cleanup     runtime.Cleanup
}

var _ gss.SecContext = (*SecContext)(nil)

// ctxResources are the native objects a context owns. They live apart from
// SecContext so that the cleanup safety net can free them.
type ctxResources struct {
	h      C.gss_ctx_id_t
	target C.gss_name_t             // initiator: a duplicate of the target name
	cb     C.gss_channel_bindings_t // C copy of the channel bindings
	cred   *Credential              // referenced until the context is freed
	credH  C.gss_cred_id_t
	sc     *C.gn_scratch // C memory for per-message outputs (mu held)
	deleg  *Credential   // acceptor: delegated credential not yet taken
}

func (r *ctxResources) free() {
	var minor C.OM_uint32
	if r.h != nil {
		C.gn_delete_sec_context(&minor, &r.h)
		r.h = nil
	}
	if r.target != nil {
		releaseName(r.target)
		r.target = nil
	}
	if r.cb != nil {
		C.gn_cb_free(r.cb)
		r.cb = nil
	}
	if r.cred != nil {
		r.cred.unref()
		r.cred, r.credH = nil, nil
	}
	if r.sc != nil {
		C.free(unsafe.Pointer(r.sc))
		r.sc = nil
	}
	if r.deleg != nil {
		r.deleg.Release()
		r.deleg = nil
	}
}

func newSecContext(res *ctxResources, initiator bool, mech gss.OID) *SecContext {
	// Outputs of the per-message calls live in C memory owned by the
	// context, so that GetMIC allocates nothing but its result.
	res.sc = (*C.gn_scratch)(C.calloc(1, C.sizeof_gn_scratch))
	if res.sc == nil {
		panic("gssapi_unix: out of C memory")
	}
	c := &SecContext{res: res, initiator: initiator, mech: mech}
	c.cleanup = runtime.AddCleanup(c, func(r *ctxResources) {
		safetyNetRuns.Add(1)
		r.free()
	}, res)
	return c
}

// setup fills the credential and channel bindings shared by both sides.
func (r *ctxResources) setup(op string, cred gss.Credential, cb *gss.ChannelBindings) error {
	if kt, ok := cred.(*Keytab); ok {
		cr, h, err := kt.ref(op) // the generation current now (keytab.go)
		if err != nil {
			return err
		}
		r.cred, r.credH = cr, h
	} else if cred != nil {
		cr, ok := cred.(*Credential)
		if !ok {
			return errUsage(op, gss.StatusNoCred, "credential from another provider")
		}
		h, err := cr.ref(op)
		if err != nil {
			return err
		}
		r.cred, r.credH = cr, h
	}
	if cb != nil {
		r.cb = newChannelBindings(cb)
	}
	return nil
}

func newChannelBindings(cb *gss.ChannelBindings) C.gss_channel_bindings_t {
	ia, ial := cBytes(cb.InitiatorAddress)
	aa, aal := cBytes(cb.AcceptorAddress)
	ad, adl := cBytes(cb.ApplicationData)
	c := C.gn_cb_new(C.OM_uint32(cb.InitiatorAddrType), ia, ial,
		C.OM_uint32(cb.AcceptorAddrType), aa, aal, ad, adl)
	if c == nil {
		panic("gssapi_unix: out of C memory")
	}
	return c
}

// initSecContext implements Provider.InitSecContext. No library call is
// made until the first Continue.
func initSecContext(target gss.Name, cfg gss.InitSecContextConfig) (*SecContext, error) {
	holdProfile()
	defer lockThread()()
	const op = "InitSecContext"
	res := &ctxResources{}
	err := withName(op, target, func(h C.gss_name_t) error {
		if h == nil {
			return errUsage(op, gss.StatusBadName, "an initiator needs a target name")
		}
		var minor C.OM_uint32
		if major := C.gss_duplicate_name(&minor, h, &res.target); isError(major) {
			return newError("gss_duplicate_name", major, minor, "")
		}
		return nil
	})
	if err == nil {
		err = res.setup(op, cfg.Credential, cfg.ChannelBindings)
	}
	if err != nil {
		res.free()
		return nil, err
	}
	mech := cfg.Mech
	if mech == "" {
		mech = gss.MechKRB5
	}
	c := newSecContext(res, true, mech)
	c.reqMech = mech
	c.reqFlags = C.OM_uint32(cfg.Flags)
	c.lifetime = seconds(cfg.Lifetime)
	return c, nil
}

// acceptSecContext implements Provider.AcceptSecContext.
func acceptSecContext(cfg gss.AcceptSecContextConfig) (*SecContext, error) {
	holdProfile() // profile_mit.go: krb5.conf parsed once, not per request
	res := &ctxResources{}
	if err := res.setup("AcceptSecContext", cfg.Credential, cfg.ChannelBindings); err != nil {
		res.free()
		return nil, err
	}
	return newSecContext(res, false, ""), nil
}

// importSecContext implements Provider.ImportSecContext.
func importSecContext(token []byte) (*SecContext, error) {
	defer lockThread()()
	const op = "gss_import_sec_context"
	p, n := cBytes(token)
	var minor C.OM_uint32
	res := &ctxResources{}
	if major := C.gn_import_sec_context(&minor, p, n, &res.h); isError(major) {
		return nil, newError(op, major, minor, "")
	}
	c := newSecContext(res, false, "")
	c.started, c.established = true, true
	var src, targ C.gss_name_t
	var life, flags C.OM_uint32
	var mech C.gss_OID
	var local, open C.int
	if major := C.gn_inquire_context(&minor, res.h, 0, &src, &targ, &life, &mech, &flags, &local, &open); isError(major) {
		err := newError("gss_inquire_context", major, minor, "")
		c.Close()
		return nil, err
	}
	c.initiator, c.mech, c.flags, c.expires = local != 0, goOID(mech), gss.Flags(flags), expiry(life)
	return c, nil
}

// Continue feeds the peer's token and returns the one to send. On failure
// the returned token, when not empty, is an error token for the peer (an
// acceptor's KRB-ERROR, for instance).
func (c *SecContext) Continue(in []byte) ([]byte, error) {
	defer lockThread()()
	c.mu.Lock()
	defer c.mu.Unlock()
	op := "gss_accept_sec_context"
	if c.initiator {
		op = "gss_init_sec_context"
	}
	switch {
	case c.closed:
		return nil, errClosed(op)
	case c.failed:
		return nil, errUsage(op, gss.StatusNoContext, "an earlier step failed; the context is gone")
	case c.established:
		return nil, errUsage(op, gss.StatusFailure, "context already established")
	case c.started && len(in) == 0 || !c.initiator && len(in) == 0:
		return nil, errUsage(op, gss.StatusDefectiveToken, "empty input token")
	}
	if c.initiator && c.started {
		if err := checkInitReply(c.reqMech, gss.Flags(c.reqFlags), in); err != nil {
			return nil, err
		}
	}
	p, n := cBytes(in)
	r := c.res
	sc := r.sc // outputs in C memory: Go variables passed to C would be heap-allocated
	sc.actual, sc.flags, sc.rec, sc.n = nil, 0, 0, 0
	var major C.OM_uint32
	if c.initiator {
		major = C.gn_init_sec_context(&sc.minor, r.credH, &r.h, r.target, cOID(c.reqMech), c.reqFlags,
			c.lifetime, r.cb, p, n, &sc.actual, &sc.out, &sc.flags, &sc.rec)
	} else {
		sc.deleg = nil
		major = C.gn_accept_sc(sc, &r.h, r.credH, p, n, r.cb)
		if sc.deleg != nil {
			if r.deleg != nil {
				r.deleg.Release()
			}
			r.deleg = newCredential(sc.deleg)
			sc.deleg = nil
		}
	}
	runtime.KeepAlive(c)
	var tok []byte
	if sc.n > 0 && sc.out.value == nil { // the acceptor's token, copied in C (gn_accept_sc)
		tok = C.GoBytes(unsafe.Pointer(&sc.small[0]), C.int(sc.n))
	} else {
		tok = takeOut(&sc.out)
	}
	minor, flags, rec := sc.minor, sc.flags, sc.rec
	c.started = true
	if m := goOID(sc.actual); m != "" {
		c.mech = m
	}
	if isError(major) {
		// After a failed step only deletion is valid (RFC 2744 §5.19), and
		// Heimdal's mechglue keeps a wrapper whose mechanism context is
		// already gone: a later gss_inquire_context crashes in the library.
		// Delete it now; later calls get ErrNoContext.
		var m C.OM_uint32
		C.gn_delete_sec_context(&m, &r.h)
		r.h = nil
		c.failed = true
		return tok, newError(op, major, minor, c.mech)
	}
	c.flags = gss.Flags(flags)
	if !c.initiator && len(tok) == 0 && gss.Status(major)&gss.StatusContinueNeeded != 0 {
		// An acceptor that wants another token must send one for the
		// initiator to answer. MIT 1.20 answers an AP-REP this way.
		return nil, gss.NewError(op, gss.StatusDefectiveToken|gss.Status(major), uint32(minor), c.mech,
			joinText("gssapi_unix: acceptor asked for another token but produced none to send (wrong token for an acceptor?)",
				statusTextMech(0, minor, c.mech)))
	}
	if gss.Status(major)&gss.StatusContinueNeeded == 0 {
		c.established = true
		c.expires = expiry(rec)
	}
	return tok, nil
}

// ContinueNeeded reports whether the handshake expects another Continue.
func (c *SecContext) ContinueNeeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.established && !c.closed && !c.failed
}

// handle returns the native context for a per-message call, with the lock held.
func (c *SecContext) handle(op string) (C.gss_ctx_id_t, error) {
	if c.closed || c.res.h == nil {
		switch {
		case c.closed:
			return nil, errClosed(op)
		case c.failed:
			return nil, errUsage(op, gss.StatusNoContext, "an earlier step failed; the context is gone")
		}
		return nil, errUsage(op, gss.StatusNoContext, "security context not started")
	}
	if c.established && !c.expires.IsZero() && !time.Now().Before(c.expires) {
		// MIT 1.20's krb5 mechanism goes on signing and sealing with an
		// expired context (TestErrContextExpired): refuse here, as RFC 2743
		// §1.2.2 and SSPI do, so the same error comes on every backend.
		return nil, gss.NewError(op, gss.StatusContextExpired, 0, c.mech,
			"gssapi_unix: security context expired at "+c.expires.UTC().Format(time.RFC3339)+
				" (the end time of its Kerberos ticket): establish a new context, after kinit if the TGT has expired too")
	}
	return c.res.h, nil
}

// GetMIC signs msg with the default QOP.
func (c *SecContext) GetMIC(msg []byte) ([]byte, error) {
	defer lockThread()()
	const op = "gss_get_mic"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, err
	}
	sc := c.res.sc
	p, n := cBytes(msg)
	major := C.gn_get_mic_sc(sc, h, p, n)
	runtime.KeepAlive(c)
	var tok []byte
	if sc.out.value != nil || sc.out.length != 0 {
		tok = takeOut(&sc.out)
	} else if !isError(major) {
		tok = C.GoBytes(unsafe.Pointer(&sc.small[0]), C.int(sc.n))
	}
	if isError(major) {
		return nil, newError(op, major, sc.minor, c.mech)
	}
	return tok, nil
}

// VerifyMIC checks mic over msg. A bad MIC is gss.ErrBadMIC; a replayed or
// out-of-sequence one (when replay or sequence detection is on) fails with
// gss.ErrDuplicateToken, ErrOldToken, ErrUnseqToken or ErrGapToken.
func (c *SecContext) VerifyMIC(msg, mic []byte) error {
	defer lockThread()()
	const op = "gss_verify_mic"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return err
	}
	sc := c.res.sc
	p, n := cBytes(msg)
	mp, mn := cBytes(mic)
	major := C.gn_verify_mic_sc(sc, h, p, n, mp, mn)
	runtime.KeepAlive(c)
	if major != 0 {
		return newError(op, major, sc.minor, c.mech)
	}
	return nil
}

// Wrap protects msg, sealing it when conf is true and the context allows.
func (c *SecContext) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	defer lockThread()()
	const op = "gss_wrap"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, false, err
	}
	sc := c.res.sc
	p, n := cBytes(msg)
	major := C.gn_wrap(&sc.minor, h, cBool(conf), p, n, &sc.state, &sc.out)
	runtime.KeepAlive(c)
	tok := takeOut(&sc.out)
	if isError(major) {
		return nil, false, newError(op, major, sc.minor, c.mech)
	}
	return tok, sc.state != 0, nil
}

// Unwrap checks and opens a wrap token. Like VerifyMIC, a replayed or
// out-of-sequence token is an error (gss.ErrDuplicateToken, ErrOldToken,
// ErrUnseqToken, ErrGapToken); when that is the only problem, the token was
// genuine and msg is returned with the error, for callers that tolerate gaps.
func (c *SecContext) Unwrap(token []byte) ([]byte, bool, error) {
	defer lockThread()()
	const op = "gss_unwrap"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, false, err
	}
	sc := c.res.sc
	p, n := cBytes(token)
	major := C.gn_unwrap(&sc.minor, h, p, n, &sc.state, &sc.out)
	runtime.KeepAlive(c)
	msg := takeOut(&sc.out)
	if isError(major) {
		return nil, false, newError(op, major, sc.minor, c.mech)
	}
	if msg == nil {
		msg = []byte{}
	}
	if major != 0 {
		return msg, sc.state != 0, newError(op, major, sc.minor, c.mech)
	}
	return msg, sc.state != 0, nil
}

// WrapSizeLimit is the largest message whose wrap token fits maxToken bytes.
func (c *SecContext) WrapSizeLimit(conf bool, maxToken int) (int, error) {
	defer lockThread()()
	const op = "gss_wrap_size_limit"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return 0, err
	}
	if maxToken < 0 || maxToken > indefinite-1 {
		return 0, errUsage(op, gss.StatusFailure, "maxToken out of range")
	}
	var minor, max C.OM_uint32
	major := C.gn_wrap_size_limit(&minor, h, cBool(conf), C.OM_uint32(maxToken), &max)
	runtime.KeepAlive(c)
	if isError(major) {
		return 0, newError(op, major, minor, c.mech)
	}
	return int(max), nil
}

// Export serialises the established context (gss_export_sec_context) and
// makes this one unusable.
func (c *SecContext) Export() ([]byte, error) {
	defer lockThread()()
	const op = "gss_export_sec_context"
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.handle(op); err != nil {
		return nil, err
	}
	var minor C.OM_uint32
	var out C.gn_out
	major := C.gn_export_sec_context(&minor, &c.res.h, &out)
	tok := takeOut(&out)
	if isError(major) {
		return nil, newError(op, major, minor, c.mech)
	}
	c.closeLocked()
	return tok, nil
}

// Close deletes the context. It is safe to call more than once.
func (c *SecContext) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
	return nil
}

func (c *SecContext) closeLocked() {
	if c.closed {
		return
	}
	c.closed = true
	c.cleanup.Stop()
	c.res.free()
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
