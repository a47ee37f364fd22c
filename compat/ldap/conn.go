package ldapgss

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gssnego/gssnego/gss"
)

// Conn is a net.Conn for ldap.NewConn that carries the RFC 4752 security
// layer negotiated by a GSSAPI bind: after the bind succeeds, every LDAP
// message is sent and received as SASL buffers — a 4-octet big-endian
// length and a GSS wrap token, signed (LayerIntegrity) or sealed
// (LayerConfidentiality). go-ldap itself only sees cleartext.
//
// Hand the same Conn to the Client (WithConn). The Client arms the Conn
// when it answers the server's layer offer; the Conn switches on when it
// reads the BindResponse that completes the bind (RFC 4513 §5.2.1.4: the
// layer starts right after it), before go-ldap's reader can ask for the
// next message. To know where that response ends, Conn reads the
// cleartext stream one whole LDAP message at a time; a server's messages
// are never split across the switch. The first write that does not start
// an LDAP message (a TLS ClientHello after StartTLS) makes the Conn pass
// bytes through unchanged from then on.
//
// Conn is safe for go-ldap's concurrent reader and writer. Close releases
// the security context.
type Conn struct {
	net.Conn
	br *bufio.Reader

	mu     sync.Mutex
	armed  *session // waiting for the BindResponse
	active *session // layer in effect
	raw    bool     // after StartTLS: bytes pass through
	closed bool

	rmu     sync.Mutex // one reader at a time
	pending []byte
	rerr    error
	roff    int64        // stream bytes consumed
	rbufs   atomic.Int64 // SASL buffers read

	wmu   sync.Mutex   // buffers leave in sequence-number order
	wbufs atomic.Int64 // SASL buffers written
}

// NewConn wraps c, a plain TCP connection or a *tls.Conn (for LDAPS: the
// Client then derives channel bindings from it and chooses no SASL layer).
func NewConn(c net.Conn) *Conn {
	return &Conn{Conn: c, br: bufio.NewReaderSize(c, 16<<10)}
}

// session is an armed or active security layer.
type session struct {
	ctx    *sharedCtx
	layer  Layer
	ourMax uint32 // largest wrapped buffer we accept
	chunk  int    // largest cleartext per buffer we send
}

// sharedCtx is a security context owned by the Client until the bind ends
// and by the Conn while it protects the session: closed by the last owner.
type sharedCtx struct {
	ctx  gss.SecContext
	refs atomic.Int32
}

func newSharedCtx(ctx gss.SecContext) *sharedCtx {
	s := &sharedCtx{ctx: ctx}
	s.refs.Store(1)
	return s
}

func (s *sharedCtx) acquire() *sharedCtx { s.refs.Add(1); return s }

func (s *sharedCtx) release() {
	if s.refs.Add(-1) == 0 {
		_ = s.ctx.Close()
	}
}

// Layer is the security layer in effect: LayerNone until a bind with a
// layer has completed.
func (c *Conn) Layer() Layer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active == nil {
		return LayerNone
	}
	return c.active.layer
}

// arm prepares the switch to layer on ctx. peerMax is the largest wrapped
// buffer the server accepts, ourMax the one we announced.
func (c *Conn) arm(ctx *sharedCtx, layer Layer, peerMax, ourMax uint32) error {
	conf := layer == LayerConfidentiality
	chunk, err := ctx.ctx.WrapSizeLimit(conf, int(peerMax))
	if err != nil {
		return fmt.Errorf("wrap size limit for the server's maximum buffer %d: %w", peerMax, err)
	}
	if chunk <= 0 {
		return &FormatError{Where: "security-layer offer", Offset: 1,
			Reason: fmt.Sprintf("maximum buffer %d leaves no room for data in a wrap token", peerMax)}
	}
	s := &session{ctx: ctx.acquire(), layer: layer, ourMax: ourMax, chunk: chunk}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active != nil || c.raw {
		s.ctx.release()
		return errors.New("the connection already carries a security layer or TLS started inside it; bind on a fresh connection")
	}
	if c.armed != nil {
		c.armed.ctx.release()
	}
	c.armed = s
	return nil
}

// tlsState returns the state of a TLS connection under c, completing the
// handshake first, or nil.
func (c *Conn) tlsState() (*tls.ConnectionState, error) {
	tc, ok := c.Conn.(interface {
		ConnectionState() tls.ConnectionState
		Handshake() error
	})
	if !ok {
		return nil, nil
	}
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	cs := tc.ConnectionState()
	return &cs, nil
}

// Read returns cleartext LDAP bytes.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.pending) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		c.mu.Lock()
		s, raw, closed := c.active, c.raw, c.closed
		c.mu.Unlock()
		switch {
		case closed:
			return 0, net.ErrClosed
		case s != nil:
			c.pending, c.rerr = c.readBuffer(s)
		case raw:
			return c.br.Read(p)
		default:
			c.pending, c.rerr = c.readPlain()
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// readPlain reads one cleartext LDAP message and, when armed, watches for
// the BindResponse that ends the bind.
func (c *Conn) readPlain() ([]byte, error) {
	if b, err := c.br.Peek(1); err == nil && b[0] != tagSequence {
		c.mu.Lock()
		raw := c.raw
		c.mu.Unlock()
		if raw {
			return nil, nil
		}
	}
	msg, err := readPDU(c.br, c.roff)
	if err != nil {
		return nil, err
	}
	c.roff += int64(len(msg))
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.armed; s != nil {
		if code, ok := bindResult(msg); ok && code != resultSaslBindInProgress {
			c.armed = nil
			if code == resultSuccess {
				c.active = s
			} else {
				s.ctx.release()
			}
		}
	}
	return msg, nil
}

// readBuffer reads one SASL buffer and unwraps it.
func (c *Conn) readBuffer(s *session) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, &LayerError{Op: "read", Buffer: c.rbufs.Load() + 1, Err: err}
	}
	c.rbufs.Add(1)
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > s.ourMax {
		return nil, &LayerError{Op: "read", Buffer: c.rbufs.Load(), Err: &FormatError{Where: "SASL buffer length",
			Offset: c.roff, Reason: fmt.Sprintf("%d octets, allowed 1 to %d (our maximum buffer)", n, s.ourMax)}}
	}
	var tok bytes.Buffer
	if _, err := io.CopyN(&tok, c.br, int64(n)); err != nil {
		return nil, &LayerError{Op: "read", Buffer: c.rbufs.Load(), Err: unexpected(err)}
	}
	c.roff += 4 + int64(n)
	msg, conf, err := s.ctx.ctx.Unwrap(tok.Bytes())
	if err != nil {
		return nil, &LayerError{Op: "read", Buffer: c.rbufs.Load(), Err: err}
	}
	if s.layer == LayerConfidentiality && !conf {
		return nil, &LayerError{Op: "read", Buffer: c.rbufs.Load(),
			Err: errors.New("integrity-only buffer on a session that negotiated confidentiality")}
	}
	return msg, nil
}

// Write sends p: unchanged before the layer is in effect, as SASL buffers
// of at most the server's maximum size after.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	s, closed := c.active, c.closed
	if s == nil && !c.raw && len(p) > 0 && p[0] != tagSequence {
		c.raw = true
	}
	c.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	if s == nil {
		return c.Conn.Write(p)
	}
	conf := s.layer == LayerConfidentiality
	written := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), s.chunk)]
		c.wbufs.Add(1)
		tok, sealed, err := s.ctx.ctx.Wrap(chunk, conf)
		if err != nil {
			return written, &LayerError{Op: "write", Buffer: c.wbufs.Load(), Err: err}
		}
		if conf && !sealed {
			return written, &LayerError{Op: "write", Buffer: c.wbufs.Load(), Err: errors.New("the context could not seal the buffer")}
		}
		frame := make([]byte, 4, 4+len(tok))
		binary.BigEndian.PutUint32(frame, uint32(len(tok)))
		if _, err := c.Conn.Write(append(frame, tok...)); err != nil {
			return written, err
		}
		written += len(chunk)
		p = p[len(chunk):]
	}
	return written, nil
}

// Close closes the connection and releases the security context.
func (c *Conn) Close() error {
	c.mu.Lock()
	for _, s := range []*session{c.armed, c.active} {
		if s != nil {
			s.ctx.release()
		}
	}
	c.armed, c.active, c.closed = nil, nil, true
	c.mu.Unlock()
	return c.Conn.Close()
}

// buffers counts the SASL buffers read and written (for tests).
func (c *Conn) buffers() (in, out int64) { return c.rbufs.Load(), c.wbufs.Load() }

// readErr is the error that ended reading, if any (for tests).
func (c *Conn) readErr() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.rerr
}
