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
// EncryptMessage lays out a Kerberos message: a token (the RFC 4121 header
// with the encrypted header copy and checksum rotated into it, no separate
// trailer) and the data, encrypted in place when confState is true. Windows
// peers that use SECBUFFER_TOKEN + SECBUFFER_DATA (the MSDN "SSPI with
// Windows Sockets" sample) send the two separately; UnwrapIOV reverses it.
// For RC4 (RFC 4757) contexts the mechanism's padding is appended to data.
func (c *SecContext) WrapIOV(msg []byte, conf bool) (token, data []byte, confState bool, err error) {
	defer lockThread()()
	const op = "gss_wrap_iov"
	c.mu.Lock()
	defer c.mu.Unlock()
	h, err := c.handle(op)
	if err != nil {
		return nil, nil, false, err
	}
	data = append([]byte(nil), msg...)
	p, n := cBytes(data)
	var minor C.OM_uint32
	var state C.int
	var hdr, pad C.gn_out
	major := C.gn_wrap_iov(&minor, h, cBool(conf), p, n, &state, &hdr, &pad)
	runtime.KeepAlive(c)
	token = takeOut(&hdr)
	data = append(data, takeOut(&pad)...)
	if isError(major) {
		return nil, nil, false, newError(op, major, minor, c.mech)
	}
	return token, data, state != 0, nil
}

// UnwrapIOV reverses WrapIOV (gss_unwrap_iov with HEADER and DATA buffers)
// and returns the plaintext; data is not modified.
func (c *SecContext) UnwrapIOV(token, data []byte) (msg []byte, confState bool, err error) {
	defer lockThread()()
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
	tp, tn := cBytes(token)
	p, n := cBytes(msg)
	var minor C.OM_uint32
	var state C.int
	major := C.gn_unwrap_iov(&minor, h, tp, tn, p, n, &state)
	runtime.KeepAlive(c)
	if major != 0 {
		return nil, false, newError(op, major, minor, c.mech)
	}
	return msg, state != 0, nil
}
