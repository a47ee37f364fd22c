package sspisample

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Client runs the sample's client side on conn: it authenticates to
// target (a host-based "host@server", a principal "host/server@REALM", or
// the server's logon name as the C sample uses), then reads the server's
// message to EOF and decrypts it. conn is closed on return. The Result is
// never nil: on failure it holds what the exchange got to.
func Client(conn net.Conn, target string, cfg Config) (*Result, error) {
	defer conn.Close()
	c, err := cfg.norm()
	if err != nil {
		return &Result{}, err
	}
	deadline := time.Now().Add(c.Timeout)
	_ = conn.SetDeadline(deadline)
	// The same deadline bounds the native steps, which a socket deadline
	// cannot interrupt (gss_init_sec_context waiting on the KDC).
	dctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx, err := c.newClientContext(target)
	if err != nil {
		return &Result{Package: c.Package, Engine: c.Engine}, err
	}
	s := newSession(c, ctx, true)
	defer s.close()
	err = s.clientAuth(dctx, conn)
	if err == nil {
		err = s.clientMessage(conn)
	}
	res := s.result(err)
	if err == nil {
		res.Message, res.Sealed, res.TrailerLen, res.CiphertextLen = s.msg, s.sealed, s.tlen, s.clen
	}
	return res, err
}

// clientAuth is the sample's authentication loop: first token out, then
// read/continue/send until the context is established.
func (s *session) clientAuth(dctx context.Context, conn net.Conn) error {
	out, err := s.step(dctx, nil)
	s.saw(true, out)
	if err != nil {
		return fmt.Errorf("sspisample: first client token: %w", err)
	}
	if err := WriteFrame(conn, out); err != nil {
		return err
	}
	for s.ctx.ContinueNeeded() {
		in, err := ReadFrame(conn, s.cfg.MaxToken)
		if err != nil {
			return err
		}
		s.saw(false, in)
		out, err := s.step(dctx, in)
		s.saw(true, out)
		if err != nil {
			return fmt.Errorf("sspisample: authentication: %w", err)
		}
		if err := WriteFrame(conn, out); err != nil {
			return err
		}
	}
	return nil
}

// clientMessage reads [LE32 tlen][trailer][ciphertext] up to EOF and
// decrypts it.
func (s *session) clientMessage(conn net.Conn) error {
	b, err := readAll(conn, s.cfg.MaxToken)
	if err != nil {
		return err
	}
	trailer, ciphertext, err := ParseMessage(b)
	if err != nil {
		return err
	}
	s.tlen, s.clen = len(trailer), len(ciphertext)
	s.msg, s.sealed, err = Unseal(s.ctx, trailer, ciphertext)
	return err
}
