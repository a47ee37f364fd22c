package sspi

import (
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	winsspi "github.com/alexbrainman/sspi"

	"github.com/gssnego/gssnego/gss"
)

// SecContext is one SSPI security context, initiator or acceptor, for any
// package (Kerberos, NTLM, Negotiate). Calls are serialised by a mutex; the
// handle is deleted by Close, or by a cleanup if Close is never called.
type SecContext struct {
	mu      sync.Mutex
	h       *ctxHandle
	cleanup runtime.Cleanup

	cred      *Credential
	ownsCred  bool
	pkg       string
	mech      gss.OID
	initiator bool
	target    *uint16 // SPN, initiator only
	targetStr string
	reqFlags  uint32 // ISC_REQ_* or ASC_REQ_*
	retFlags  uint32 // ISC_RET_* or ASC_RET_*
	expiry    time.Time
	bindings  []byte // marshalled SEC_CHANNEL_BINDINGS
	maxToken  uint32

	started     bool
	established bool
	failed      bool
	sizes       *Sizes
	cksumLen    int    // RFC 4121 checksum length seen in MIC tokens, 0 if none yet
	chosenPkg   string // the package Negotiate chose, once known
	lazyCred    bool   // acceptor without credential: the first token picks the package
	delegTaken  bool   // DelegatedCredential handed the client's credential over
}

var _ gss.SecContext = (*SecContext)(nil)

// cleanupFrees counts handles freed by a cleanup because Close or Release
// was never called (tests check the safety net with it).
var cleanupFrees atomic.Int64

// ctxHandle owns the native handle apart from SecContext (see credHandle).
type ctxHandle struct {
	h     winsspi.CtxtHandle
	valid bool
}

func (c *ctxHandle) free() error {
	if !c.valid {
		return nil
	}
	c.valid = false
	if ret := winsspi.DeleteSecurityContext(&c.h); ret != winsspi.SEC_E_OK {
		return newError(opDeleteSecurityContext, uint32(ret), "")
	}
	return nil
}

// InitSecContext starts an initiator context towards target. The mechanism
// picks the package (krb5 → Kerberos, NTLMSSP → NTLM, SPNEGO → Negotiate);
// without a credential the logon session's outbound credentials are used.
func (p *Provider) InitSecContext(target gss.Name, opts ...gss.InitSecContextOption) (gss.SecContext, error) {
	cfg := gss.NewInitSecContextConfig(opts...)
	if cr, isSSPI := cfg.Credential.(*Credential); isSSPI && cfg.Mech == "" {
		cfg.Mech = cr.mech // no mechanism asked for: the credential's
	}
	pkg, ok := packageForMech(cfg.Mech)
	if !ok {
		return nil, gss.NewError(opInitializeSecurityContext, gss.StatusBadMech, 0, cfg.Mech, "no SSPI package for this mechanism")
	}
	if target == nil {
		return nil, gss.NewError(opInitializeSecurityContext, gss.StatusBadName, 0, cfg.Mech, "no target name")
	}
	c := &SecContext{pkg: pkg, mech: mechOrDefault(cfg.Mech), initiator: true, reqFlags: iscReqFlags(cfg.Flags)}
	c.targetStr = nameString(target)
	t, err := utf16Ptr(c.targetStr)
	if err != nil {
		return nil, err
	}
	c.target = t
	if err := c.setup(cfg.Credential, gss.CredInitiateOnly, cfg.ChannelBindings); err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptSecContext starts an acceptor context. With a credential the
// package is the credential's. Without one the context accepts like a GSS
// acceptor does, any mechanism: the first token picks the package
// (NTLMSSP → NTLM, a framed SPNEGO token → Negotiate, anything else →
// Kerberos) and the logon session's inbound credentials for it are acquired
// then.
func (p *Provider) AcceptSecContext(opts ...gss.AcceptSecContextOption) (gss.SecContext, error) {
	cfg := gss.NewAcceptSecContextConfig(opts...)
	c := &SecContext{pkg: PackageKerberos, mech: gss.MechKRB5, reqFlags: ascReqFlags(cfg.Flags)}
	c.lazyCred = cfg.Credential == nil
	if err := c.setup(cfg.Credential, gss.CredAcceptOnly, cfg.ChannelBindings); err != nil {
		return nil, err
	}
	return c, nil
}

// NewAcceptor is AcceptSecContext for a package chosen by mechanism when
// no credential is given (AcceptSecContext alone defaults to Kerberos).
func (p *Provider) NewAcceptor(mech gss.OID, opts ...gss.AcceptSecContextOption) (*SecContext, error) {
	cfg := gss.NewAcceptSecContextConfig(opts...)
	pkg, ok := packageForMech(mech)
	if !ok {
		return nil, gss.NewError(opAcceptSecurityContext, gss.StatusBadMech, 0, mech, "no SSPI package for this mechanism")
	}
	c := &SecContext{pkg: pkg, mech: mechOrDefault(mech), reqFlags: ascReqFlags(cfg.Flags)}
	if err := c.setup(cfg.Credential, gss.CredAcceptOnly, cfg.ChannelBindings); err != nil {
		return nil, err
	}
	return c, nil
}

func mechOrDefault(m gss.OID) gss.OID {
	if m == "" {
		return gss.MechKRB5
	}
	return m
}

// setup attaches the credential (acquiring the default one if needed), the
// channel bindings, the token size and the cleanup.
func (c *SecContext) setup(cred gss.Credential, usage gss.CredUsage, cb *gss.ChannelBindings) error {
	op := opAcceptSecurityContext
	if c.initiator {
		op = opInitializeSecurityContext
	}
	switch cr := cred.(type) {
	case nil:
		if c.lazyCred {
			break // acquired by the first Continue (pickPackage)
		}
		own, err := acquire(c.pkg, c.mech, "", usage, nil)
		if err != nil {
			return err
		}
		c.cred, c.ownsCred = own, true
	case *Credential:
		if cr.pkg != c.pkg && c.initiator {
			return gss.NewError(op, gss.StatusBadMech, 0, c.mech,
				"credential is for package "+cr.pkg+", context needs "+c.pkg)
		}
		c.cred, c.pkg, c.mech = cr, cr.pkg, mechForCred(cr, c.mech)
	default:
		return gss.NewError(op, gss.StatusNoCred, 0, c.mech, "credential is not from the SSPI provider")
	}
	c.bindings = marshalChannelBindings(cb)
	c.setMaxToken()
	c.h = &ctxHandle{}
	c.cleanup = runtime.AddCleanup(c, func(h *ctxHandle) {
		if h.valid {
			cleanupFrees.Add(1)
		}
		_ = h.free()
	}, c.h)
	return nil
}

func (c *SecContext) setMaxToken() {
	c.maxToken = 48256
	if pi, err := QueryPackageInfo(c.pkg); err == nil && pi.MaxToken > 0 {
		c.maxToken = pi.MaxToken
	}
}

// pickPackage chooses a credential-less acceptor's package from the
// initiator's first token and acquires its inbound credentials.
func (c *SecContext) pickPackage(first []byte) error {
	c.pkg = packageForToken(first)
	c.mech, _ = mechForPackage(c.pkg)
	own, err := acquire(c.pkg, c.mech, "", gss.CredAcceptOnly, nil)
	if err != nil {
		return err
	}
	c.cred, c.ownsCred, c.lazyCred = own, true, false
	c.setMaxToken()
	return nil
}

func mechForCred(cr *Credential, want gss.OID) gss.OID {
	if p, ok := packageForMech(want); ok && p == cr.pkg {
		return want
	}
	return cr.mech
}

// Package returns the SSPI package the context runs ("Kerberos", "NTLM",
// "Negotiate").
func (c *SecContext) Package() string { return c.pkg }

// Continue calls InitializeSecurityContext or AcceptSecurityContext with
// the peer's token and returns the token to send.
func (c *SecContext) Continue(in []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	op := opAcceptSecurityContext
	if c.initiator {
		op = opInitializeSecurityContext
	}
	switch {
	case c.h == nil || (c.started && !c.h.valid):
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "context closed")
	case c.established:
		return nil, gss.NewError(op, gss.StatusFailure, 0, c.mech, "context already established")
	case c.failed:
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "context failed earlier")
	case !c.initiator && len(in) == 0:
		return nil, gss.NewError(op, gss.StatusDefectiveToken, 0, c.mech, "acceptor needs the initiator's token")
	}
	if c.lazyCred {
		if err := c.pickPackage(in); err != nil {
			c.failed = true
			return nil, err
		}
	}
	out, ret := c.step(in)
	switch ret {
	case secICompleteNeeded, secICompleteAndContinue:
		if r := winsspi.CompleteAuthToken(&c.h.h, newDesc(secBuf(winsspi.SECBUFFER_TOKEN, out))); r != winsspi.SEC_E_OK {
			c.failed = true
			return nil, newError(opCompleteAuthToken, uint32(r), c.mech)
		}
	}
	switch ret {
	case secEOK, secICompleteNeeded:
		c.established = true
	case secIContinueNeeded, secICompleteAndContinue:
	default:
		c.failed = true
		return nil, newError(op, ret, c.mech)
	}
	return out, nil
}

// step makes one ISC/ASC call; it returns a copy of the output token.
func (c *SecContext) step(in []byte) ([]byte, uint32) {
	outBuf := make([]byte, c.maxToken)
	outBufs := []winsspi.SecBuffer{secBuf(winsspi.SECBUFFER_TOKEN, outBuf)}
	outDesc := newDesc(outBufs...)
	var inBufs []winsspi.SecBuffer
	if len(in) > 0 {
		inBufs = append(inBufs, secBuf(winsspi.SECBUFFER_TOKEN, in))
	}
	if len(c.bindings) > 0 {
		inBufs = append(inBufs, secBuf(winsspi.SECBUFFER_CHANNEL_BINDINGS, c.bindings))
	}
	var inDesc *winsspi.SecBufferDesc
	if len(inBufs) > 0 {
		inDesc = newDesc(inBufs...)
	}
	var cur *winsspi.CtxtHandle
	if c.started {
		cur = &c.h.h
	}
	var attrs uint32
	var expiry syscall.Filetime
	var ret syscall.Errno
	if c.initiator {
		ret = winsspi.InitializeSecurityContext(&c.cred.h.h, cur, c.target, c.reqFlags, 0,
			winsspi.SECURITY_NATIVE_DREP, inDesc, 0, &c.h.h, outDesc, &attrs, &expiry)
	} else {
		ret = winsspi.AcceptSecurityContext(&c.cred.h.h, cur, inDesc, c.reqFlags,
			winsspi.SECURITY_NATIVE_DREP, &c.h.h, outDesc, &attrs, &expiry)
	}
	runtime.KeepAlive(in)
	runtime.KeepAlive(outBuf)
	runtime.KeepAlive(c.bindings)
	code := uint32(ret)
	if !isSuccess(code) {
		if !c.started {
			c.h.h = winsspi.CtxtHandle{}
		}
		return nil, code
	}
	if !c.started {
		c.started, c.h.valid = true, true
	}
	c.retFlags = attrs
	c.expiry = timestampToTime(expiry)
	n := outBufs[0].BufferSize
	if n == 0 || n > uint32(len(outBuf)) {
		return nil, code // nothing to send is nil, as GSS backends return it
	}
	return outBuf[:n:n], code
}

// ContinueNeeded reports whether the handshake expects another Continue.
func (c *SecContext) ContinueNeeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.established && !c.failed
}

// Flags returns the GSS flags SSPI granted so far (ISC_RET_*/ASC_RET_*).
func (c *SecContext) Flags() gss.Flags {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flags()
}

func (c *SecContext) flags() gss.Flags {
	if c.initiator {
		return ISCRetFlags(c.retFlags)
	}
	return ascRetFlags(c.retFlags)
}

// Export is not available (see Provider.ImportSecContext).
func (c *SecContext) Export() ([]byte, error) {
	return nil, gss.NewError("ExportSecurityContext", gss.StatusUnavailable, 0, c.mech, "context export is not supported by the SSPI backend")
}

// Close deletes the security context and releases a credential the context
// acquired itself. It is safe to call more than once; afterwards every call
// fails with gss.ErrNoContext.
func (c *SecContext) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil {
		return nil
	}
	c.cleanup.Stop()
	err := c.h.free()
	c.started = true // a closed context never restarts
	if c.ownsCred && c.cred != nil {
		if cerr := c.cred.Release(); err == nil {
			err = cerr
		}
		c.ownsCred = false
	}
	return err
}

// live checks the context can run per-message calls.
func (c *SecContext) live(op string) error {
	if c.h == nil || !c.h.valid {
		return gss.NewError(op, gss.StatusNoContext, 0, c.mech, "no context (closed or never started)")
	}
	if !c.established {
		return gss.NewError(op, gss.StatusNoContext, 0, c.mech, "context not established")
	}
	return nil
}

func secBuf(typ uint32, b []byte) winsspi.SecBuffer {
	var sb winsspi.SecBuffer
	sb.Set(typ, b)
	return sb
}

func newDesc(bufs ...winsspi.SecBuffer) *winsspi.SecBufferDesc {
	return winsspi.NewSecBufferDesc(bufs)
}
