package pgxgss

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/gssnego/gssnego/gss"
)

// Steps of GSS encryption (RequireEncryption).
const (
	// StepEncrypt is the GSSENCRequest, carrying the handshake's tokens
	// and checking that the context it made grants confidentiality. The
	// tokens themselves fail as without encryption: a missing or expired
	// ticket, an unknown service or an unreachable KDC at StepInitiate, a
	// bad AP-REP at StepContinue.
	StepEncrypt Step = "encrypt"
	// StepWrap and StepUnwrap protect and check the packets afterwards.
	StepWrap   Step = "wrap"
	StepUnwrap Step = "unwrap"
)

// ErrEncryptionRefused is the cause of an Error when the server answers a
// GSSENCRequest with 'N': built without GSSAPI, or a Unix socket.
var ErrEncryptionRefused = errors.New("pgxgss: the server refused GSS encryption")

// ErrBadPacket is the cause of an Error for a malformed GSS-encrypted
// packet: a length beyond the protocol's limit, or an unprotected token.
var ErrBadPacket = errors.New("pgxgss: bad GSS-encrypted packet")

// maxPacket is PostgreSQL's PQ_GSS_SEND/RECV_BUFFER_SIZE: a packet, its
// 4-byte length included, never exceeds it. Both sides rely on it.
const maxPacket = 16384

// gssEncRequest is the 8-byte GSSENCRequest (length 8, code 80877104).
var gssEncRequest = func() []byte {
	b, _ := (&pgproto3.GSSEncRequest{}).Encode(nil)
	return b
}()

// RequireEncryption makes every connection of cfg GSS-encrypted, what
// libpq calls gssencmode=require and pgx itself cannot do: cfg.DialFunc is
// wrapped so that each new TCP connection first sends a GSSENCRequest,
// establishes a krb5 context (mutual, confidentiality, integrity, replay
// and sequence detection, plus WithFlags) in length-prefixed packets, and
// then carries pgx's whole protocol stream in gss_wrap'ed packets. The
// server authenticates the session from that context (pg_stat_gssapi:
// encrypted) without an AuthenticationGSS round; Register is not needed.
//
// GSS encryption replaces TLS, so cfg must have none (sslmode=disable);
// the target is krbspn, or krbsrvname (default "postgres") @ cfg.Host for
// every host. Only WithProvider, WithCredential, WithFlags and
// WithEstablished apply.
func RequireEncryption(cfg *pgconn.Config, opts ...Option) error {
	if cfg.TLSConfig != nil {
		return fmt.Errorf("pgxgss: GSS encryption replaces TLS: connect with sslmode=disable")
	}
	for _, fb := range cfg.Fallbacks {
		if fb.TLSConfig != nil {
			return fmt.Errorf("pgxgss: GSS encryption replaces TLS: connect with sslmode=disable (fallback %s)", fb.Host)
		}
	}
	target, nameType := cfg.KerberosSpn, gss.GuessNameType(cfg.KerberosSpn)
	if target == "" {
		service := cfg.KerberosSrvName
		if service == "" {
			service = DefaultService
		}
		target, nameType = service+"@"+cfg.Host, gss.NameHostBasedService
		if cfg.Host == "" || strings.HasPrefix(cfg.Host, "/") {
			return &Error{Step: StepEncrypt, Target: target, Err: fmt.Errorf("%w: host %q", ErrNoTarget, cfg.Host)}
		}
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		ec, err := startEncryption(ctx, c, target, nameType, opts)
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		return ec, nil
	}
	return nil
}

// startEncryption runs the GSSENCRequest and the context handshake on c
// (be-secure-gssapi.c's secure_open_gssapi is the server side).
func startEncryption(ctx context.Context, c net.Conn, target string, nameType gss.NameType, opts []Option) (net.Conn, error) {
	fail := func(err error) error { return &Error{Step: StepEncrypt, Target: target, Err: err} }
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
		defer c.SetDeadline(time.Time{})
	}
	if _, err := c.Write(gssEncRequest); err != nil {
		return nil, fail(err)
	}
	var answer [1]byte
	if _, err := io.ReadFull(c, answer[:]); err != nil {
		return nil, fail(fmt.Errorf("reading the answer to GSSENCRequest: %w", err))
	}
	switch answer[0] {
	case 'G':
	case 'N':
		return nil, fail(ErrEncryptionRefused)
	default: // 'E': a server before PostgreSQL 12 answers with an error
		return nil, fail(fmt.Errorf("%w: answer %q to GSSENCRequest (a server before PostgreSQL 12?)", ErrEncryptionRefused, answer[0]))
	}
	g, err := New(append(opts, WithFlags(gss.FlagConf|gss.FlagInteg|gss.FlagReplay|gss.FlagSequence))...)
	if err != nil {
		return nil, err
	}
	sc, err := g.handshake(c, target, nameType)
	if err != nil {
		return nil, err
	}
	limit, err := sc.WrapSizeLimit(true, maxPacket-4)
	if err != nil || limit <= 0 {
		_ = sc.Close()
		return nil, fail(fmt.Errorf("wrap size limit %d: %v", limit, err))
	}
	return &encConn{Conn: c, sc: sc, target: target, maxChunk: limit}, nil
}

// handshake establishes the context over c in length-prefixed packets and
// returns it; the GSS keeps no reference. Every use of g.ctx is under g.mu
// (encStep, continueNeeded), as in GetInitToken and Continue: a GSS stays
// safe against a call from another goroutine, which then ends the exchange
// and makes the handshake fail instead of reaching a released context.
func (g *GSS) handshake(c net.Conn, target string, nameType gss.NameType) (gss.SecContext, error) {
	out, err := g.start(target, nameType)
	for err == nil {
		if err = writePacket(c, out); err != nil {
			break
		}
		var more bool
		if more, err = g.continueNeeded(); err != nil || !more {
			break
		}
		var in []byte
		if in, err = readPacket(c, maxPacket); err != nil {
			break
		}
		if out, more, err = g.encStep(in); err == nil && !more && len(out) == 0 {
			break
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if err == nil && g.state != stateStarted {
		err = errEndedElsewhere
	}
	if err != nil {
		var ge *Error
		if !errors.As(err, &ge) {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("the server closed the connection during the handshake: %w", err)
			}
			err = g.fail(StepEncrypt, err)
		}
		return nil, err
	}
	info, err := g.ctx.Inquire()
	if err == nil && info.Flags&gss.FlagConf == 0 {
		err = fmt.Errorf("the context offers no confidentiality (flags %s)", info.Flags)
	}
	if err != nil {
		return nil, g.fail(StepEncrypt, err)
	}
	if g.cfg.established != nil {
		g.cfg.established(info)
	}
	sc := g.ctx
	g.ctx, g.state = nil, stateEstablished
	return sc, nil
}

// errEndedElsewhere: another call on the GSS ended the exchange while the
// encryption handshake was running.
var errEndedElsewhere = fmt.Errorf("%w: another call ended the exchange during the encryption handshake", ErrUnexpectedToken)

// continueNeeded says, under g.mu, whether the handshake's context wants
// another token.
func (g *GSS) continueNeeded() (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != stateStarted {
		return false, g.fail(StepEncrypt, errEndedElsewhere)
	}
	return g.ctx.ContinueNeeded(), nil
}

// encStep feeds the server's token to the handshake's context under g.mu;
// more says whether it wants another.
func (g *GSS) encStep(in []byte) (out []byte, more bool, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state != stateStarted {
		return nil, false, g.fail(StepEncrypt, errEndedElsewhere)
	}
	if out, err = g.ctx.Continue(in); err != nil {
		return nil, false, g.fail(StepContinue, err)
	}
	return out, g.ctx.ContinueNeeded(), nil
}

// writePacket sends a 4-byte big-endian length and b.
func writePacket(w io.Writer, b []byte) error {
	if len(b)+4 > maxPacket {
		return fmt.Errorf("%w: %d-byte token over the %d-byte packet limit", ErrBadPacket, len(b), maxPacket)
	}
	pkt := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(pkt, uint32(len(b)))
	copy(pkt[4:], b)
	_, err := w.Write(pkt)
	return err
}

// readPacket reads one length-prefixed packet of at most max bytes in all.
func readPacket(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if hdr[0] == 'E' {
		return nil, fmt.Errorf("%w: the server sent an error message instead", ErrBadPacket)
	}
	if uint64(n)+4 > uint64(max) {
		return nil, fmt.Errorf("%w: length %d at offset 0 over the %d-byte packet limit", ErrBadPacket, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// encConn carries the protocol stream in wrapped packets. Reads and writes
// may run concurrently (pgx reads in the background); each side is
// serialised on its own.
type encConn struct {
	net.Conn
	sc       gss.SecContext
	target   string
	maxChunk int

	rmu    sync.Mutex
	rbuf   []byte // unwrapped bytes not yet returned
	rerr   error  // a broken stream stays broken
	wmu    sync.Mutex
	werr   error
	closed sync.Once
}

func (c *encConn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for len(c.rbuf) == 0 {
		if c.rerr != nil {
			return 0, c.rerr
		}
		tok, err := readPacket(c.Conn, maxPacket)
		if err != nil {
			// A timeout mid-packet would leave the stream unaligned; pgx
			// closes the connection after one anyway.
			if !errors.Is(err, ErrBadPacket) {
				c.rerr = err
				return 0, err
			}
			c.rerr = &Error{Step: StepUnwrap, Target: c.target, Err: err}
			return 0, c.rerr
		}
		msg, conf, err := c.sc.Unwrap(tok)
		if err == nil && !conf {
			err = fmt.Errorf("%w: a token without confidentiality", ErrBadPacket)
		}
		if err != nil {
			c.rerr = &Error{Step: StepUnwrap, Target: c.target, Err: err}
			return 0, c.rerr
		}
		c.rbuf = msg
	}
	n := copy(p, c.rbuf)
	c.rbuf = c.rbuf[n:]
	return n, nil
}

func (c *encConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	done := 0
	for done < len(p) {
		chunk := p[done:min(len(p), done+c.maxChunk)]
		tok, conf, err := c.sc.Wrap(chunk, true)
		if err == nil && !conf {
			err = errors.New("gss_wrap did not encrypt")
		}
		if err != nil {
			c.werr = &Error{Step: StepWrap, Target: c.target, Err: err}
			return done, c.werr
		}
		if err := writePacket(c.Conn, tok); err != nil {
			c.werr = err
			return done, err
		}
		done += len(chunk)
	}
	return done, nil
}

// Close closes the connection and deletes the context.
func (c *encConn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(func() { _ = c.sc.Close() })
	return err
}
