//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"

	"github.com/gssnego/gssnego/gss"
)

var (
	_ gss.Delegated        = (*SecContext)(nil)
	_ gss.CredentialStorer = (*Credential)(nil)
	_ gss.Impersonator     = (*Provider)(nil)
)

// DelegatedCredential hands over the credential the initiator delegated
// with an established acceptor context (see gss.Delegated): nil, nil when
// none arrived. With MIT, an acceptor credential of usage
// gss.CredInitiateAndAccept also yields, for a forwardable service ticket
// without a forwarded TGT, an S4U2Proxy "evidence" credential: initiating
// with it asks the KDC for a ticket on the user's behalf (constrained
// delegation), which the KDC grants only for allowed targets.
func (c *SecContext) DelegatedCredential() (gss.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	const op = "DelegatedCredential"
	switch {
	case c.closed:
		return nil, errClosed(op)
	case c.initiator:
		return nil, errUsage(op, gss.StatusNoCred, "an initiator context receives no delegated credential")
	case !c.established:
		return nil, errUsage(op, gss.StatusNoContext, "context not established yet")
	}
	d := c.res.deleg
	c.res.deleg = nil
	if d == nil {
		return nil, nil
	}
	return d, nil
}

// StoreInto writes the credential's initiator tickets into ccache (MIT:
// gss_store_cred_into, overwriting, never the default cache; Heimdal:
// gss_krb5_copy_ccache into the resolved cache), so that kvno, klist, a
// child process (KRB5CCNAME) or a C library can use them.
func (c *Credential) StoreInto(ccache string) error {
	defer lockThread()()
	const op = "gss_store_cred_into"
	if ccache == "" {
		return errUsage(op, gss.StatusFailure, "empty ccache name")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released {
		return errUsage(op, gss.StatusNoCred, "credential used after Release")
	}
	name := C.CString(ccache)
	defer C.free(unsafe.Pointer(name))
	var minor C.OM_uint32
	var unsupported *C.char
	major := C.gn_store_cred_into(&minor, c.h, name, &unsupported)
	runtime.KeepAlive(c)
	if unsupported != nil {
		return errUsage(op, gss.Status(major), implementation+" does not support: "+C.GoString(unsupported))
	}
	if isError(major) {
		return newError(op, major, minor, gss.MechKRB5)
	}
	return nil
}

// AcquireImpersonatedCredential acquires a credential for user from the
// service's credential (gss_acquire_cred_impersonate_name: S4U2Self, then
// S4U2Proxy when a context is initiated with the result). service needs a
// TGT for the service principal: acquire it with gss.CredInitiateOnly (or
// CredInitiateAndAccept) from a ccache or a client keytab. The KDC decides:
// a user it must not impersonate ("sensitive and cannot be delegated") gets
// a non-forwardable ticket and the later S4U2Proxy fails with
// gss.KDCErrBadOption; so does a target the service may not delegate to.
// Heimdal 7.8 has no such call: gss.ErrUnavailable.
func (p *Provider) AcquireImpersonatedCredential(service gss.Credential, user gss.Name, mechs []gss.OID, usage gss.CredUsage, lifetime time.Duration) (gss.Credential, error) {
	defer lockThread()()
	const op = "gss_acquire_cred_impersonate_name"
	svc, ok := service.(*Credential)
	if !ok || svc == nil {
		return nil, errUsage(op, gss.StatusNoCred, "service credential missing or from another provider")
	}
	if user == nil {
		return nil, errUsage(op, gss.StatusBadName, "a user name is required")
	}
	sh, err := svc.ref(op)
	if err != nil {
		return nil, err
	}
	defer svc.unref()
	set, err := cOIDSet(op, mechs)
	if err != nil {
		return nil, err
	}
	defer func() {
		var minor C.OM_uint32
		C.gn_oidset_release(&minor, &set)
	}()
	var h C.gss_cred_id_t
	err = withName(op, user, func(nh C.gss_name_t) error {
		var minor, rec C.OM_uint32
		var unsupported *C.char
		major := C.gn_impersonate(&minor, sh, nh, seconds(lifetime), set, C.int(usage), &h, &rec, &unsupported)
		if unsupported != nil {
			return errUsage(op, gss.Status(major), implementation+" does not support: "+C.GoString(unsupported))
		}
		if isError(major) {
			return newError(op, major, minor, gss.MechKRB5)
		}
		return nil
	})
	runtime.KeepAlive(svc)
	if err != nil {
		return nil, err
	}
	return newCredential(h), nil
}
