package sspisample

import (
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// ErrNoSplitWrap: the mechanism context offers no two-buffer
// (trailer + ciphertext) wrap, so the sample's final message cannot be made
// or read.
var ErrNoSplitWrap = errors.New("sspisample: the mechanism context has no trailer/ciphertext (EncryptMessage-style) wrap")

// iovWrapper is gssapi_unix.SecContext's gss_wrap_iov form.
type iovWrapper interface {
	WrapIOV(msg []byte, conf bool) (token, data []byte, confState bool, err error)
	UnwrapIOV(token, data []byte) (msg []byte, confState bool, err error)
}

// messageEncrypter is sspi_windows.SecContext's EncryptMessage form.
type messageEncrypter interface {
	EncryptMessage(msg []byte) (trailer, ciphertext []byte, err error)
	DecryptMessage(trailer, ciphertext []byte) (msg []byte, sealed bool, err error)
}

// onMech runs f on ctx's mechanism context: the one a negotiate engine
// holds, or ctx itself for a raw package.
func onMech(ctx gss.SecContext, f func(gss.SecContext) error) error {
	if h, ok := ctx.(negotiate.Session); ok {
		return h.MechContext(f)
	}
	return f(ctx)
}

// Seal encrypts msg into the sample's two parts: the trailer
// (SECBUFFER_TOKEN) and the ciphertext (SECBUFFER_DATA). It fails unless
// the message was sealed.
func Seal(ctx gss.SecContext, msg []byte) (trailer, ciphertext []byte, err error) {
	err = onMech(ctx, func(m gss.SecContext) error {
		switch w := m.(type) {
		case iovWrapper:
			var conf bool
			if isNTLM(m) {
				trailer, ciphertext, conf, err = ntlmSeal(m, msg)
			} else {
				trailer, ciphertext, conf, err = w.WrapIOV(msg, true)
			}
			if err == nil && !conf {
				err = errors.New("sspisample: the context did not seal the message (no confidentiality)")
			}
			return err
		case messageEncrypter:
			trailer, ciphertext, err = w.EncryptMessage(msg)
			return err
		}
		return fmt.Errorf("%w (%T)", ErrNoSplitWrap, m)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sspisample: encrypting the message: %w", err)
	}
	return trailer, ciphertext, nil
}

// Unseal reverses Seal; sealed says whether the peer encrypted.
func Unseal(ctx gss.SecContext, trailer, ciphertext []byte) (msg []byte, sealed bool, err error) {
	err = onMech(ctx, func(m gss.SecContext) error {
		switch w := m.(type) {
		case iovWrapper:
			if isNTLM(m) && len(trailer) == ntlmSignatureSize {
				// gss-ntlmssp has no gss_unwrap_iov (see ntlmSeal).
				msg, sealed, err = m.Unwrap(append(append([]byte(nil), trailer...), ciphertext...))
				return err
			}
			msg, sealed, err = w.UnwrapIOV(trailer, ciphertext)
			return err
		case messageEncrypter:
			msg, sealed, err = w.DecryptMessage(trailer, ciphertext)
			return err
		}
		return fmt.Errorf("%w (%T)", ErrNoSplitWrap, m)
	})
	if err != nil {
		return nil, false, fmt.Errorf("sspisample: decrypting the message: %w", err)
	}
	return msg, sealed, nil
}

// ntlmSignatureSize is the NTLMSSP message signature's size (MS-NLMP 2.2.2.9).
const ntlmSignatureSize = 16

func isNTLM(m gss.SecContext) bool {
	info, err := m.Inquire()
	return err == nil && info.Mech == gss.MechNTLMSSP
}

// ntlmSeal is EncryptMessage's NTLM layout — the 16-byte signature in
// TOKEN, the message sealed in place in DATA — made from a plain wrap
// token, which for NTLM is signature ‖ sealed message (gss-ntlmssp, like
// SSPI's NTLM). gss-ntlmssp has no gss_wrap_iov.
func ntlmSeal(m gss.SecContext, msg []byte) (trailer, ciphertext []byte, conf bool, err error) {
	tok, conf, err := m.Wrap(msg, true)
	if err != nil {
		return nil, nil, false, err
	}
	if len(tok) != ntlmSignatureSize+len(msg) {
		return nil, nil, false, fmt.Errorf("sspisample: NTLM wrap token of %d bytes for a %d-byte message, want signature + message", len(tok), len(msg))
	}
	return tok[:ntlmSignatureSize], tok[ntlmSignatureSize:], conf, nil
}
