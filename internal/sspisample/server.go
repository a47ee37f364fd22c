package sspisample

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Server is the sample's server: for each client it authenticates, sends
// the encrypted Message and closes the connection. Unlike the C sample it
// serves clients concurrently and survives a client's failure.
type Server struct {
	// Config configures every connection.
	Config Config
	// Done, if set, is called after each connection with what it learned
	// and its error (nil on success). Calls may be concurrent.
	Done func(remote net.Addr, res *Result, err error)
}

// Serve accepts connections on l until l is closed, handling each in its
// own goroutine; it returns the error that ended Accept once the
// connections in flight have finished (nil for a closed listener).
func (s *Server) Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.ServeConn(conn)
			if s.Done != nil {
				s.Done(conn.RemoteAddr(), res, err)
			}
		}()
	}
}

// ServeConn runs the sample's server side on one connection and closes it.
// The Result is never nil.
func (s *Server) ServeConn(conn net.Conn) (*Result, error) {
	defer conn.Close()
	c, err := s.Config.norm()
	if err != nil {
		return &Result{}, err
	}
	_ = conn.SetDeadline(time.Now().Add(c.Timeout))
	ctx, release, err := c.newServerContext()
	defer release()
	if err != nil {
		return &Result{Package: c.Package, Engine: c.Engine}, err
	}
	defer ctx.Close()
	ss := newSession(c, ctx, false)
	err = ss.serverAuth(conn)
	if err == nil {
		err = ss.serverMessage(conn)
	}
	res := ss.result(err)
	if err == nil {
		res.Message, res.Sealed, res.TrailerLen, res.CiphertextLen = ss.msg, true, ss.tlen, ss.clen
	}
	return res, err
}

// serverAuth is the sample's accept loop: read, continue, send any output,
// until the context is established.
func (s *session) serverAuth(conn net.Conn) error {
	for {
		in, err := ReadFrame(conn, s.cfg.MaxToken)
		if err != nil {
			return err
		}
		s.saw(false, in)
		out, err := s.ctx.Continue(in)
		s.saw(true, out)
		// A failing engine may return a reject token: send it, so the
		// client learns why.
		if werr := WriteFrame(conn, out); werr != nil && err == nil {
			return werr
		}
		if err != nil {
			return fmt.Errorf("sspisample: authentication: %w", err)
		}
		if !s.ctx.ContinueNeeded() {
			return nil
		}
	}
}

// serverMessage sends the one unframed [LE32 tlen][trailer][ciphertext].
func (s *session) serverMessage(conn net.Conn) error {
	trailer, ciphertext, err := Seal(s.ctx, []byte(Message))
	if err != nil {
		return err
	}
	s.msg, s.tlen, s.clen = []byte(Message), len(trailer), len(ciphertext)
	if _, err := conn.Write(MarshalMessage(trailer, ciphertext)); err != nil {
		return fmt.Errorf("sspisample: sending the message: %w", err)
	}
	return nil
}
