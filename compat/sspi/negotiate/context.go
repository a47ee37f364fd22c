package negotiate

import (
	"errors"
	"sync"
	"time"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

var (
	errEmptyUser      = errors.New("username parameter cannot be empty")
	errEmptyToken     = errors.New("negotiate token should not be empty")
	errCompletedEarly = errors.New("negotiate authentication should not be completed yet")
	errReleased       = errors.New("context used after Release")
	errQOP            = errors.New("only quality of protection 0 (and SECQOP_WRAP_NO_ENCRYPT for EncryptMessage) is supported")
	errNoTarget       = errors.New("targetName is required: gssnego has no Kerberos-less loopback NTLM for an empty SPN")
	errNoConf         = errors.New("the context did not encrypt the message (confidentiality not granted)")
	errNoName         = errors.New("the mechanism did not name the client")
)

// engine is gssnego's SPNEGO engine (negotiate.Client or negotiate.Server):
// the per-message calls, the record's etype and the mechanism context.
type engine = negotiate.Recorder

// secctx is the state and the per-message calls ClientContext and
// ServerContext share. Calls are serialised, as on one SSPI handle.
type secctx struct {
	mu       sync.Mutex
	side     string // "ClientContext" or "ServerContext"
	eng      engine
	tokens   int // tokens received from the peer
	released bool
	cleanup  []func()
}

func (s *secctx) err(call string, token int, cause error) error {
	return &sspi.Error{Op: "negotiate." + s.side + "." + call, Token: token, Status: sspi.StatusOf(cause), Err: cause}
}

// step feeds one token from the peer, SSPI style: done when this side has
// finished, and an error for an empty token while unfinished (as
// alexbrainman/sspi's Update).
func (s *secctx) step(in []byte) (done bool, out []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens++
	if s.released {
		return false, nil, &sspi.Error{Op: "negotiate." + s.side + ".Update", Token: s.tokens, Status: sspi.SEC_E_INVALID_HANDLE, Err: errReleased}
	}
	out, err = s.eng.Continue(in)
	if err != nil {
		return false, nil, s.err("Update", s.tokens, err)
	}
	done = !s.eng.ContinueNeeded()
	if len(out) == 0 && !done {
		return false, nil, s.err("Update", s.tokens, errEmptyToken)
	}
	return done, out, nil
}

// live runs f on the engine unless the context was released.
func (s *secctx) live(call string, f func(engine) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return &sspi.Error{Op: "negotiate." + s.side + "." + call, Status: sspi.SEC_E_INVALID_HANDLE, Err: errReleased}
	}
	if err := f(s.eng); err != nil {
		return s.err(call, 0, err)
	}
	return nil
}

func (s *secctx) release() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return nil
	}
	s.released = true
	err := s.eng.Close()
	for _, f := range s.cleanup {
		f()
	}
	if err != nil {
		return s.err("Release", 0, err)
	}
	return nil
}

func (s *secctx) expiry() time.Time {
	var t time.Time
	_ = s.live("Expiry", func(e engine) error {
		if info, err := e.Inquire(); err == nil {
			t = info.ExpiresAt
		}
		return nil
	})
	return t
}

func (s *secctx) sizes() (maxTok, maxSig, block, trailer uint32, err error) {
	err = s.live("Sizes", func(e engine) error {
		if ws, ok, err := platformSizes(e); ok || err != nil {
			maxTok, maxSig, block, trailer = ws[0], ws[1], ws[2], ws[3]
			return err
		}
		info, err := e.Inquire()
		if err != nil {
			return err
		}
		if !info.Established {
			return negotiate.ErrNotEstablished
		}
		const probe = 1 << 16
		limit, err := e.WrapSizeLimit(true, probe)
		if err != nil {
			return err
		}
		maxTok, block, trailer = maxToken, 1, uint32(probe-limit)
		maxSig = signatureSize(info.Mech, e.Record().Enctype)
		return nil
	})
	return maxTok, maxSig, block, trailer, err
}

// signatureSize is the MIC token size for the mechanism and session
// enctype; for an unknown Kerberos enctype the largest RFC 4121 one.
func signatureSize(mech gss.OID, e gss.Enctype) uint32 {
	if mech == gss.MechNTLMSSP {
		return 16
	}
	switch e {
	case gss.EnctypeAES128SHA1, gss.EnctypeAES256SHA1, gss.EnctypeCamellia128CMAC, gss.EnctypeCamellia256CMAC:
		return 28
	case gss.EnctypeAES128SHA256:
		return 32
	case gss.EnctypeRC4HMAC, gss.EnctypeRC4HMACExp, gss.EnctypeDESCBCMD5, gss.EnctypeDESCBCCRC, gss.EnctypeDES3CBCSHA1:
		return 37
	}
	return 40
}

func (s *secctx) makeSignature(msg []byte, qop uint32) (sig []byte, err error) {
	if qop != 0 {
		return nil, s.err("MakeSignature", 0, errQOP)
	}
	err = s.live("MakeSignature", func(e engine) error {
		sig, err = e.GetMIC(msg)
		return err
	})
	return sig, err
}

func (s *secctx) verifySignature(msg, token []byte) (uint32, error) {
	return 0, s.live("VerifySignature", func(e engine) error { return e.VerifyMIC(msg, token) })
}

func (s *secctx) encryptMessage(msg []byte, qop uint32) (out []byte, err error) {
	if qop != 0 && qop != sspi.SECQOP_WRAP_NO_ENCRYPT {
		return nil, s.err("EncryptMessage", 0, errQOP)
	}
	conf := qop == 0
	err = s.live("EncryptMessage", func(e engine) error {
		tok, sealed, err := e.Wrap(msg, conf)
		if err != nil {
			return err
		}
		if conf && !sealed {
			return errNoConf
		}
		out = tok
		return nil
	})
	return out, err
}

func (s *secctx) decryptMessage(msg []byte) (qop uint32, plain []byte, err error) {
	err = s.live("DecryptMessage", func(e engine) error {
		var sealed bool
		plain, sealed, err = e.Unwrap(msg)
		if err == nil && !sealed {
			qop = sspi.SECQOP_WRAP_NO_ENCRYPT
		}
		return err
	})
	return qop, plain, err
}

var errFlags = errors.New("requested flags not granted")
