//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"sync"

	"github.com/gssnego/gssnego/gss"
)

// Inquire describes the context. Before the library has a context (an
// initiator before its first Continue) and while a handshake is incomplete
// and the mechanism will not say more, it reports what this side knows. Names
// are not asked for on NTLM contexts (gss-ntlmssp 1.2.0 crashes). The
// session-key enctype is that of the key protecting per-message tokens: the
// RFC 4121 acceptor subkey when the acceptor sent one, else the initiator's
// subkey; see the package documentation for how each library reports it.
func (c *SecContext) Inquire() (*gss.SecContextInfo, error) { return c.inquire(true) }

// InquireMech is Inquire without the names (gss.MechInquirer). Mechanism,
// flags, state and lifetime are what the last Continue returned, so the
// only library call is the session-key inquiry of an established Kerberos
// context: one cgo crossing where Inquire makes five.
func (c *SecContext) InquireMech() (*gss.SecContextInfo, error) { return c.inquire(false) }

func (c *SecContext) inquire(names bool) (*gss.SecContextInfo, error) {
	defer lockThread()()
	const op = "gss_inquire_context"
	c.mu.Lock()
	defer c.mu.Unlock()
	info := &gss.SecContextInfo{
		Mech: c.mech, Flags: c.flags, LocallyInitiated: c.initiator,
		Established: c.established, ExpiresAt: c.expires,
	}
	if c.closed {
		return nil, errClosed(op)
	}
	h := c.res.h
	if h == nil {
		info.SessionKeyNote = "no security context yet"
		if c.failed {
			info.SessionKeyNote = "the handshake failed"
		}
		return info, nil
	}
	var minor, major C.OM_uint32
	var src, targ C.gss_name_t
	if names {
		var life, flags C.OM_uint32
		var mech C.gss_OID
		var local, open C.int
		major = C.gn_inquire_context(&minor, h, 0, &src, &targ, &life, &mech, &flags, &local, &open)
		if isError(major) {
			if !c.established {
				info.SessionKeyNote = "handshake not complete"
				return info, nil
			}
			return nil, newError(op, major, minor, c.mech)
		}
		if m := goOID(mech); m != "" {
			info.Mech = m
		}
		info.Flags, info.LocallyInitiated, info.Established = gss.Flags(flags), local != 0, open != 0
		if info.Established {
			info.ExpiresAt = expiry(life)
		}
	}
	if want := namesToInquire(info); names && want != 0 {
		major = C.gn_inquire_context(&minor, h, want, &src, &targ, nil, nil, nil, nil, nil)
		if !isError(major) {
			info.InitiatorName = takeName(src)
			info.AcceptorName = takeName(targ)
		}
	}
	switch {
	case !info.Established:
		info.SessionKeyNote = "handshake not complete"
	case !info.Mech.IsKerberos():
		info.SessionKeyNote = "not a Kerberos mechanism (" + info.Mech.MechName() + ")"
	default:
		sc := c.res.sc
		major = C.gn_session_enctype(&sc.minor, h, &sc.etype, &sc.note)
		info.SessionKeyEnctype = gss.Enctype(sc.etype)
		if sc.note != nil {
			info.SessionKeyNote = shimNote(sc.note)
		}
		if isError(major) {
			info.SessionKeyNote += ": " + statusText(major, sc.minor)
		}
	}
	runtime.KeepAlive(c)
	return info, nil
}

// takeName displays and releases a name returned by the library.
func takeName(h C.gss_name_t) string {
	if h == nil {
		return ""
	}
	s, _, _ := displayName(h)
	releaseName(h)
	return s
}

// namesToInquire says which names gss_inquire_context may be asked for.
// gss-ntlmssp 1.2 crashes when asked for the target name of an acceptor
// context (it has none) and on names of incomplete contexts; the initiator
// name of an established acceptor context — the user an NTLM server needs —
// and both names of an initiator context are safe (TestNTLMHandshake).
func namesToInquire(info *gss.SecContextInfo) C.int {
	switch {
	case info.Mech != gss.MechNTLMSSP:
		return C.GN_WANT_SRC | C.GN_WANT_TARG
	case !info.Established:
		return 0
	case info.LocallyInitiated:
		return C.GN_WANT_SRC | C.GN_WANT_TARG
	}
	return C.GN_WANT_SRC
}

// shimNotes holds the Go copies of the shim's session-key notes, which are
// string constants in C: converted once, not on every inquiry.
var shimNotes sync.Map // *C.char → string

func shimNote(p *C.char) string {
	if s, ok := shimNotes.Load(p); ok {
		return s.(string)
	}
	s := C.GoString(p)
	shimNotes.Store(p, s)
	return s
}
