//go:build !windows && cgo

package gssapi_unix

/*
#include "gss_shim.h"
*/
import "C"

import (
	"runtime"

	"github.com/gssnego/gssnego/gss"
)

// WrapIOV wraps msg with gss_wrap_iov and returns it split the way Windows
// EncryptMessage lays out a Kerberos message: a token (the mechanism header
// plus any padding and trailer the mechanism produced) and the data, the
// same length as msg (encrypted when confState is true). Windows peers that
// use SECBUFFER_TOKEN + SECBUFFER_DATA (the MSDN "SSPI with Windows Sockets"
// sample) send token and data separately; UnwrapIOV reverses it.
func (c *SecContext) WrapIOV(msg []byte, conf bool) (token, data []byte, confState bool, err error) {
	const op = "gss_wrap_iov"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, nil, false, err
	}
	data = append([]byte(nil), msg...)
	var pn runtime.Pinner
	defer pn.Unpin()
	p, n := pinBytes(&pn, data)
	var minor C.OM_uint32
	var state C.int
	var hdr, pad, trl C.gn_out
	major := C.gn_wrap_iov(&minor, h, cBool(conf), p, n, &state, &hdr, &pad, &trl)
	runtime.KeepAlive(c)
	token = takeOut(&hdr)
	token = append(token, takeOut(&pad)...)
	token = append(token, takeOut(&trl)...)
	if isError(major) {
		return nil, nil, false, newError(op, major, minor, c.mech)
	}
	return token, data, state != 0, nil
}

// UnwrapIOV reverses WrapIOV (gss_unwrap_iov with HEADER and DATA buffers)
// and returns the plaintext; data is not modified.
func (c *SecContext) UnwrapIOV(token, data []byte) (msg []byte, confState bool, err error) {
	const op = "gss_unwrap_iov"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, false, err
	}
	if len(token) == 0 {
		return nil, false, errUsage(op, gss.StatusDefectiveToken, "empty token")
	}
	msg = append([]byte{}, data...)
	var pn runtime.Pinner
	defer pn.Unpin()
	tp, tn := pinBytes(&pn, token)
	p, n := pinBytes(&pn, msg)
	var minor C.OM_uint32
	var state C.int
	major := C.gn_unwrap_iov(&minor, h, tp, tn, p, n, &state)
	runtime.KeepAlive(c)
	if major != 0 {
		return nil, false, newError(op, major, minor, c.mech)
	}
	return msg, state != 0, nil
}
