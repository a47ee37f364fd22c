package sshgss

import (
	"fmt"
	"sync"

	"github.com/gssnego/gssnego/gss"
	"golang.org/x/crypto/ssh"
)

// Server is an ssh.GSSAPIServer over a gss.Provider: it accepts the raw
// Kerberos V5 contexts of RFC 4462 gssapi-with-mic (OpenSSH's ssh, or
// Client), returns the authenticated principal ("user@REALM") as srcName,
// and checks the MIC that binds the login to the SSH session.
//
// x/crypto/ssh keeps one GSSAPIServer in the ssh.ServerConfig and calls it
// without saying which connection a call belongs to, so a Server serves one
// connection at a time: give each accepted connection a copy of the
// ServerConfig with its own Server (see the package example). A second
// exchange started while one is in progress fails with ErrBusy rather than
// mixing contexts. It is safe for use by several goroutines (calls are
// serialised).
type Server struct {
	cfg config

	mu      sync.Mutex
	ctx     gss.SecContext
	cred    gss.Credential      // acquired for this exchange, released with it
	peer    string              // the principal of the context in progress
	ready   bool                // ctx completed and checked
	pending *gss.SecContextInfo // of ctx, until its MIC verifies
	info    *gss.SecContextInfo // of the last context whose MIC verified

	pendingAuthz, authz *gss.AuthzData // the same for the client's PAC (authz.go)
}

var _ ssh.GSSAPIServer = (*Server)(nil)

// NewServer returns a Server using the platform's provider and accepting a
// ticket for any key of the default keytab (KRB5_KTNAME on Unix, the
// machine or service account on Windows) unless options say otherwise.
func NewServer(opts ...Option) (*Server, error) {
	cfg, err := newConfig(sideServer, opts)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg}, nil
}

// AcceptSecContext implements ssh.GSSAPIServer. srcName is the initiator's
// principal ("alice@EXAMPLE.COM") once the context is complete; the
// program decides in GSSAPIWithMICConfig.AllowLogin whether it may log in
// as the requested user (AllowSameUser does what OpenSSH's default does).
// A context of another mechanism than Kerberos V5, or without integrity,
// is refused.
func (s *Server) AcceptSecContext(token []byte) ([]byte, string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		// x/crypto/ssh negotiated Kerberos V5 (RFC 4462 §3.3): a first
		// token of another mechanism (SPNEGO, NTLM) is refused before the
		// library sees it, whatever the credential would allow. (A
		// library's SPNEGO context reports the mechanism it negotiated,
		// so the check after completion alone would let SPNEGO through.)
		mech, _, err := gss.ParseFraming(token)
		if err != nil {
			err = fmt.Errorf("%w: first token: %w", gss.ErrDefectiveToken, err)
			return nil, "", false, stepErr(StepAcceptSecContext, "", err)
		}
		if !isKRB5(mech) {
			return nil, "", false, stepErr(StepAcceptSecContext, "", detail(ErrWrongMech, "the first token is for mechanism %s", mech.MechName()))
		}
		if err := s.start(); err != nil {
			s.drop()
			return nil, "", false, err
		}
	} else if !s.ctx.ContinueNeeded() {
		return nil, "", false, stepErr(StepAcceptSecContext, "", ErrBusy)
	}
	out, err := s.ctx.Continue(token)
	if err != nil {
		s.drop()
		return nil, "", false, stepErr(StepAcceptSecContext, "", err)
	}
	if s.ctx.ContinueNeeded() {
		return out, "", true, nil
	}
	if err := s.complete(); err != nil {
		s.drop()
		return nil, "", false, stepErr(StepAcceptSecContext, "", err)
	}
	return out, s.peer, false, nil
}

func (s *Server) start() error {
	var opts []gss.AcceptSecContextOption
	cred := s.cfg.cred
	// Our own credential is for Kerberos V5 only, so the library refuses a
	// token of another mechanism (SPNEGO, NTLM) outright.
	if cred == nil {
		var err error
		if cred, err = s.acquire(); err != nil {
			return err
		}
		s.cred = cred
	}
	if cred != nil {
		opts = append(opts, gss.WithAcceptorCredential(cred))
	}
	ctx, err := s.cfg.provider.AcceptSecContext(opts...)
	if err != nil {
		return stepErr(StepAcceptSecContext, "", err)
	}
	s.ctx = ctx
	return nil
}

func (s *Server) acquire() (gss.Credential, error) {
	var name gss.Name
	if s.cfg.acceptorName != "" {
		n, err := importTarget(s.cfg.provider, s.cfg.acceptorName)
		if err != nil {
			return nil, stepErr(StepImportName, s.cfg.acceptorName, err)
		}
		defer n.Release()
		name = n
	}
	var opts []gss.CredOption
	if s.cfg.keytab != "" {
		opts = append(opts, gss.WithKeytab(s.cfg.keytab))
	}
	cred, err := s.cfg.provider.AcquireCredential(name, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, opts...)
	if err != nil {
		return nil, stepErr(StepAcquireCredential, s.cfg.acceptorName, err)
	}
	return cred, nil
}

func (s *Server) complete() error {
	info, err := s.ctx.Inquire()
	if err != nil {
		return err
	}
	switch {
	case !isKRB5(info.Mech):
		return detail(ErrWrongMech, "mechanism %s", info.Mech.MechName())
	case info.Flags&gss.FlagInteg == 0:
		return detail(ErrNoIntegrity, "granted flags %v", info.Flags)
	case info.InitiatorName == "":
		return ErrNoInitiatorName
	}
	s.peer, s.pending, s.ready = info.InitiatorName, info, true
	s.pendingAuthz, _ = gss.InquireAuthz(s.ctx) // nil: no PAC, or the backend cannot tell
	return nil
}

// VerifyMIC implements ssh.GSSAPIServer: it checks the client's MIC over
// the RFC 4462 §3.5 message that x/crypto/ssh built for this session and
// user. A MIC that does not verify is an error matching gss.ErrBadMIC.
func (s *Server) VerifyMIC(micField, micToken []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ready {
		return stepErr(StepVerifyMIC, "", ErrNotEstablished)
	}
	if err := s.ctx.VerifyMIC(micField, micToken); err != nil {
		return stepErr(StepVerifyMIC, s.peer, err)
	}
	s.info, s.authz = s.pending, s.pendingAuthz
	return nil
}

// DeleteSecContext implements ssh.GSSAPIServer: it deletes the context,
// complete or half-built, and the credential acquired for it. x/crypto/ssh
// calls it at the end of every gssapi-with-mic attempt.
func (s *Server) DeleteSecContext() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drop()
}

func (s *Server) drop() error {
	var err error
	if s.ctx != nil {
		err = s.ctx.Close()
	}
	if s.cred != nil {
		if e := s.cred.Release(); err == nil {
			err = e
		}
	}
	s.ctx, s.cred, s.peer, s.ready, s.pending, s.pendingAuthz = nil, nil, "", false, nil, nil
	return err
}

// ContextInfo describes the last context whose MIC verified (initiator
// name, flags such as gss.FlagDeleg when the client forwarded its TGT,
// session key enctype), or nil if none has. It stays available after
// DeleteSecContext, for the code that runs once ssh.NewServerConn returns.
func (s *Server) ContextInfo() *gss.SecContextInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}
