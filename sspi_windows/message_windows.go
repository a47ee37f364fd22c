package sspi

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"

	"github.com/gssnego/gssnego/gss"
)

// Sizes is SecPkgContext_Sizes: the buffer sizes per-message calls need.
type Sizes struct {
	MaxToken        uint32 // largest context token
	MaxSignature    uint32 // largest MakeSignature token
	BlockSize       uint32 // messages should be a multiple of this
	SecurityTrailer uint32 // EncryptMessage token buffer size
}

// Sizes queries SECPKG_ATTR_SIZES on an established context.
func (c *SecContext) Sizes() (Sizes, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opQueryContextAttributes); err != nil {
		return Sizes{}, err
	}
	return c.querySizes()
}

func (c *SecContext) querySizes() (Sizes, error) {
	if c.sizes != nil {
		return *c.sizes, nil
	}
	var s secPkgContextSizes
	if ret := winsspi.QueryContextAttributes(&c.h.h, secpkgAttrSizes, (*byte)(unsafe.Pointer(&s))); ret != winsspi.SEC_E_OK {
		return Sizes{}, newError(opQueryContextAttributes, uint32(ret), c.mech)
	}
	c.sizes = &Sizes{MaxToken: s.MaxToken, MaxSignature: s.MaxSignature, BlockSize: s.BlockSize, SecurityTrailer: s.SecurityTrailer}
	return *c.sizes, nil
}

// GetMIC calls MakeSignature over msg (SECBUFFER_DATA, read-only) and returns
// the signature token: an RFC 4121 MIC token for Kerberos with AES, an
// RFC 1964/4757 one with RC4/DES, an NTLMSSP signature for NTLM.
func (c *SecContext) GetMIC(msg []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opMakeSignature); err != nil {
		return nil, err
	}
	sz, err := c.querySizes()
	if err != nil {
		return nil, err
	}
	// A copy, not SECBUFFER_READONLY: Wine finds buffers by exact type.
	data := append([]byte(nil), msg...)
	sigLen := sz.MaxSignature
	if IsWine() {
		// Wine reports cbMaxSignature 37 but copies the whole gss_get_mic
		// token without checking: 40 octets for aes256-sha384.
		sigLen = max(sigLen, wineMinTrailer)
	}
	sig := make([]byte, sigLen)
	bufs := []winsspi.SecBuffer{
		secBuf(winsspi.SECBUFFER_DATA, data),
		secBuf(winsspi.SECBUFFER_TOKEN, sig),
	}
	if len(msg) == 0 {
		bufs[0] = winsspi.SecBuffer{BufferType: winsspi.SECBUFFER_DATA}
	}
	ret := winsspi.MakeSignature(&c.h.h, 0, newDesc(bufs...), 0)
	runtime.KeepAlive(data)
	runtime.KeepAlive(sig)
	if ret != winsspi.SEC_E_OK {
		return nil, newError(opMakeSignature, uint32(ret), c.mech)
	}
	sig, err = filled(opMakeSignature, sig, bufs[1].BufferSize)
	if err != nil {
		return nil, err
	}
	if n := micChecksumLen(sig); n > 0 {
		c.cksumLen = n
	}
	return sig, nil
}

// VerifyMIC calls VerifySignature; only SEC_E_OK is success. An altered
// message or token is gss.ErrBadMIC, a replayed or reordered one
// gss.ErrUnseqToken/gss.ErrGapToken (SSPI does not say which).
func (c *SecContext) VerifyMIC(msg, mic []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opVerifySignature); err != nil {
		return err
	}
	if len(mic) == 0 {
		return gss.NewError(opVerifySignature, gss.StatusDefectiveToken, 0, c.mech, "empty MIC token")
	}
	msgCopy := append([]byte(nil), msg...)
	micCopy := append([]byte(nil), mic...)
	bufs := []winsspi.SecBuffer{
		secBuf(winsspi.SECBUFFER_DATA, msgCopy),
		secBuf(winsspi.SECBUFFER_TOKEN, micCopy),
	}
	var qop uint32
	ret := winsspi.VerifySignature(&c.h.h, newDesc(bufs...), 0, &qop)
	runtime.KeepAlive(msgCopy)
	runtime.KeepAlive(micCopy)
	if ret != winsspi.SEC_E_OK {
		return newError(opVerifySignature, uint32(ret), c.mech)
	}
	if n := micChecksumLen(mic); n > 0 {
		c.cksumLen = n
	}
	return nil
}

// Wrap protects msg and returns the standard GSS wrap token (RFC 4121 for
// Kerberos with AES, RFC 4757 for RC4, signature‖sealed data for NTLM).
// On Windows it calls EncryptMessage with TOKEN, DATA and PADDING buffers
// and concatenates them; Wine's Kerberos package splits the gss_wrap token
// the other way round (its first len(msg) bytes in DATA, the rest in TOKEN),
// so under Wine the two are joined DATA‖TOKEN. conf false asks for
// SECQOP_WRAP_NO_ENCRYPT.
func (c *SecContext) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opEncryptMessage); err != nil {
		return nil, false, err
	}
	sz, err := c.querySizes()
	if err != nil {
		return nil, false, err
	}
	var qop uint32
	if !conf {
		qop = secqopWrapNoEncrypt
	}
	data := append([]byte(nil), msg...)
	token := make([]byte, max(sz.SecurityTrailer, wineMinTrailer))
	pad := make([]byte, max(sz.BlockSize, 1))
	bufs := []winsspi.SecBuffer{
		secBuf(winsspi.SECBUFFER_TOKEN, token),
		secBuf(winsspi.SECBUFFER_DATA, data),
		secBuf(winsspi.SECBUFFER_PADDING, pad),
	}
	if len(data) == 0 {
		bufs[1] = winsspi.SecBuffer{BufferType: winsspi.SECBUFFER_DATA}
	}
	ret := winsspi.EncryptMessage(&c.h.h, qop, newDesc(bufs...), 0)
	runtime.KeepAlive(data)
	runtime.KeepAlive(token)
	runtime.KeepAlive(pad)
	if ret != winsspi.SEC_E_OK {
		return nil, false, newError(opEncryptMessage, uint32(ret), c.mech)
	}
	tok, err := filled(opEncryptMessage, token, bufs[0].BufferSize)
	if err != nil {
		return nil, false, err
	}
	padding, err := filled(opEncryptMessage, pad, bufs[2].BufferSize)
	if err != nil {
		return nil, false, err
	}
	var out []byte
	if c.wineKerberos() {
		out = append(append(out, data...), tok...)
		c.learnChecksumLen(out, len(msg))
	} else {
		out = append(append(append(out, tok...), data...), padding...)
	}
	return out, conf, nil
}

// wineMinTrailer sizes the TOKEN buffer for EncryptMessage at least this
// large: Wine reports cbSecurityTrailer 49 but needs the whole gss_wrap
// overhead there, 60 octets for aes-sha1 and 72 for aes256-sha384.
const wineMinTrailer = 128

// wineKerberos reports whether per-message calls go to Wine's Kerberos
// package (its token layouts differ from Windows').
func (c *SecContext) wineKerberos() bool {
	return IsWine() && !strings.EqualFold(c.messagePackage(), PackageNTLM)
}

// messagePackage is the package that makes the per-message tokens: the
// context's own, or for Negotiate the one it chose
// (SECPKG_ATTR_NEGOTIATION_INFO, asked once after establishment).
func (c *SecContext) messagePackage() string {
	if c.pkg != PackageNegotiate {
		return c.pkg
	}
	if c.chosenPkg == "" {
		if name, ret := c.negotiatedPackage(); ret == secEOK && name != "" {
			c.chosenPkg = name
		} else {
			c.chosenPkg = PackageNegotiate
		}
	}
	return c.chosenPkg
}

// Unwrap reverses Wrap for a standard GSS wrap token from any peer. On
// Windows it calls DecryptMessage with SECBUFFER_STREAM (the token as is)
// and an empty DATA buffer that SSPI points at the plaintext; NTLM tokens
// are split into the 16-byte signature and the sealed data instead.
func (c *SecContext) Unwrap(token []byte) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opDecryptMessage); err != nil {
		return nil, false, err
	}
	if len(token) == 0 {
		return nil, false, gss.NewError(opDecryptMessage, gss.StatusDefectiveToken, 0, c.mech, "empty wrap token")
	}
	if strings.EqualFold(c.messagePackage(), PackageNTLM) {
		if len(token) < ntlmSignatureSize {
			return nil, false, gss.NewError(opDecryptMessage, gss.StatusDefectiveToken, 0, c.mech, "NTLM wrap token shorter than its signature")
		}
		return c.decrypt(token[:ntlmSignatureSize], token[ntlmSignatureSize:])
	}
	if c.wineKerberos() {
		n, err := wrapPlaintextLen(token, c.cksumLen)
		if err != nil {
			return nil, false, gss.NewError(opDecryptMessage, gss.StatusDefectiveToken, 0, c.mech, err.Error())
		}
		return c.decrypt(token[n:], token[:n])
	}
	stream := append([]byte(nil), token...)
	bufs := []winsspi.SecBuffer{
		secBuf(winsspi.SECBUFFER_STREAM, stream),
		{BufferType: winsspi.SECBUFFER_DATA},
	}
	var qop uint32
	ret := winsspi.DecryptMessage(&c.h.h, newDesc(bufs...), 0, &qop)
	runtime.KeepAlive(stream)
	if ret != winsspi.SEC_E_OK {
		return nil, false, newError(opDecryptMessage, uint32(ret), c.mech)
	}
	msg := append([]byte(nil), bufs[1].Bytes()...)
	return msg, qop != secqopWrapNoEncrypt, nil
}

const ntlmSignatureSize = 16

// learnChecksumLen records the RFC 4121 checksum length a sealed wrap token
// of this context shows (see wrapPlaintextLen); both directions share the key.
func (c *SecContext) learnChecksumLen(token []byte, msgLen int) {
	if n := sealedChecksumLen(token, msgLen); n > 0 {
		c.cksumLen = n
	}
}

// EncryptMessage is the Windows two-buffer form used by the MSDN "SSPI with
// Windows Sockets" sample: EncryptMessage over [TOKEN trailer][DATA msg]
// returns the trailer token and the ciphertext (same length as msg) as
// separate slices. The layout is the package's own; it is not a GSS wrap
// token. Under Wine the split differs from Windows (see the package doc).
func (c *SecContext) EncryptMessage(msg []byte) (trailer, ciphertext []byte, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opEncryptMessage); err != nil {
		return nil, nil, err
	}
	sz, err := c.querySizes()
	if err != nil {
		return nil, nil, err
	}
	data := append([]byte(nil), msg...)
	token := make([]byte, max(sz.SecurityTrailer, wineMinTrailer))
	bufs := []winsspi.SecBuffer{secBuf(winsspi.SECBUFFER_TOKEN, token), secBuf(winsspi.SECBUFFER_DATA, data)}
	ret := winsspi.EncryptMessage(&c.h.h, 0, newDesc(bufs...), 0)
	runtime.KeepAlive(data)
	runtime.KeepAlive(token)
	if ret != winsspi.SEC_E_OK {
		return nil, nil, newError(opEncryptMessage, uint32(ret), c.mech)
	}
	tok, err := filled(opEncryptMessage, token, bufs[0].BufferSize)
	if err != nil {
		return nil, nil, err
	}
	return tok, data, nil
}

// filled returns the part of buf a package reports having written, and an
// error if it claims more than the buffer holds.
func filled(op string, buf []byte, n uint32) ([]byte, error) {
	if n > uint32(len(buf)) {
		return nil, gss.NewError(op, gss.StatusFailure, 0, "",
			fmt.Sprintf("package reports %d bytes in a %d-byte buffer", n, len(buf)))
	}
	return buf[:n:n], nil
}

// DecryptMessage reverses EncryptMessage: DecryptMessage over
// [TOKEN trailer][DATA ciphertext]. sealed is false when the peer used
// SECQOP_WRAP_NO_ENCRYPT.
func (c *SecContext) DecryptMessage(trailer, ciphertext []byte) (msg []byte, sealed bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opDecryptMessage); err != nil {
		return nil, false, err
	}
	return c.decrypt(trailer, ciphertext)
}

func (c *SecContext) decrypt(trailer, ciphertext []byte) ([]byte, bool, error) {
	tok := append([]byte(nil), trailer...)
	data := append([]byte(nil), ciphertext...)
	bufs := []winsspi.SecBuffer{secBuf(winsspi.SECBUFFER_TOKEN, tok), secBuf(winsspi.SECBUFFER_DATA, data)}
	if len(data) == 0 {
		bufs[1] = winsspi.SecBuffer{BufferType: winsspi.SECBUFFER_DATA}
	}
	var qop uint32
	ret := winsspi.DecryptMessage(&c.h.h, newDesc(bufs...), 0, &qop)
	runtime.KeepAlive(tok)
	runtime.KeepAlive(data)
	if ret != winsspi.SEC_E_OK {
		return nil, false, newError(opDecryptMessage, uint32(ret), c.mech)
	}
	msg, err := filled(opDecryptMessage, data, bufs[1].BufferSize)
	if err != nil {
		return nil, false, err
	}
	return msg, qop != secqopWrapNoEncrypt, nil
}

// WrapSizeLimit is the largest message whose wrap token fits maxToken bytes,
// from SECPKG_ATTR_SIZES (trailer and block padding).
func (c *SecContext) WrapSizeLimit(conf bool, maxToken int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.live(opQueryContextAttributes); err != nil {
		return 0, err
	}
	sz, err := c.querySizes()
	if err != nil {
		return 0, err
	}
	n := maxToken - int(sz.SecurityTrailer)
	if sz.BlockSize > 1 {
		n -= int(sz.BlockSize)
	}
	return max(n, 0), nil
}
