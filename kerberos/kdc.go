package kerberos

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/messages"

	"github.com/gssnego/gssnego/gss"
)

// Timeouts for one KDC, each also capped by the caller's context: MIT waits
// 1 s, then 2 s … per UDP round; a TCP connection gets a bit longer.
const (
	udpWait  = 1 * time.Second
	tcpDial  = 3 * time.Second
	tcpReply = 10 * time.Second
	maxReply = 1 << 20
)

// errTooBig is KRB_ERR_RESPONSE_TOO_BIG: the KDC asks for TCP.
var errTooBig = errors.New("response too big for UDP")

// sendToKDC sends req to the realm's KDCs (locateKDCs) in order and returns
// the first reply. UDP is tried first when req is within
// udp_preference_limit (MIT: 1465 bytes; 1 means TCP only), and TCP when
// the KDC answers KRB_ERR_RESPONSE_TOO_BIG or UDP gets no answer. Every
// wait ends at ctx's deadline. A reply that is a KRB-ERROR is returned as
// it is; the caller decodes it.
func sendToKDC(ctx context.Context, c *config.Config, realm string, req []byte) ([]byte, error) {
	const op = "KDC exchange"
	kdcs, err := locateKDCs(ctx, c, realm)
	if err != nil {
		return nil, err
	}
	limit := c.LibDefaults.UDPPreferenceLimit
	useUDP := limit != 1 && len(req) <= limit
	var lastErr error
	for _, kdc := range kdcs {
		if ctx.Err() != nil {
			break
		}
		if useUDP && kdc.proto != "tcp" {
			rep, err := udpExchange(ctx, kdc.addr, req)
			if err == nil {
				return rep, nil
			}
			lastErr = err
		}
		if kdc.proto == "udp" {
			// An SRV record for UDP only: the _tcp records follow.
			continue
		}
		rep, err := tcpExchange(ctx, kdc.addr, req)
		if err == nil {
			return rep, nil
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errors.New("no KDC of the realm serves TCP, and the request is too big for UDP (udp_preference_limit)")
	}
	e := kerr(op, gss.StatusFailure, minorKDCUnreach, "cannot contact any KDC for realm %q: %v", realm, lastErr)
	if ctx.Err() != nil {
		return nil, &deadlineError{e, context.Cause(ctx)}
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		// The socket deadline fired just before the context's timer.
		return nil, &deadlineError{e, context.DeadlineExceeded}
	}
	return nil, e
}

// deadlineError is a KDC failure cut short by the caller's context: it
// matches both the gss error (gss.ErrKDCUnreachable) and the context's
// cause (context.DeadlineExceeded) with errors.Is.
type deadlineError struct {
	err   *gss.Error
	cause error
}

func (e *deadlineError) Error() string   { return e.err.Error() + ": " + e.cause.Error() }
func (e *deadlineError) Unwrap() []error { return []error{e.err, e.cause} }

func deadline(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

func udpExchange(ctx context.Context, kdc string, req []byte) ([]byte, error) {
	d := net.Dialer{Resolver: resolverOf(ctx)}
	conn, err := d.DialContext(ctx, "udp", kdc)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	conn.SetDeadline(deadline(ctx, udpWait))
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	buf := make([]byte, 65536)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	rep := buf[:n]
	if isTooBig(rep) {
		return nil, errTooBig
	}
	return rep, nil
}

func isTooBig(rep []byte) bool {
	if len(rep) == 0 || rep[0] != 0x7e {
		return false
	}
	var ke messages.KRBError
	return guard(func() error { return ke.Unmarshal(rep) }) == nil && ke.ErrorCode == 52
}

func tcpExchange(ctx context.Context, kdc string, req []byte) ([]byte, error) {
	d := net.Dialer{Deadline: deadline(ctx, tcpDial), Resolver: resolverOf(ctx)}
	conn, err := d.DialContext(ctx, "tcp", kdc)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	conn.SetDeadline(deadline(ctx, tcpReply))
	msg := make([]byte, 4+len(req))
	binary.BigEndian.PutUint32(msg, uint32(len(req)))
	copy(msg[4:], req)
	if _, err := conn.Write(msg); err != nil {
		return nil, err
	}
	var hdr [4]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxReply {
		return nil, fmt.Errorf("KDC %s: reply of %d bytes", kdc, n)
	}
	rep := make([]byte, n)
	if _, err := io.ReadFull(conn, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// asKRBError decodes rep as a KRB-ERROR if it is one (application tag 30).
func asKRBError(rep []byte) (*messages.KRBError, bool) {
	if len(rep) == 0 || rep[0] != 0x7e {
		return nil, false
	}
	var ke messages.KRBError
	if err := guard(func() error { return ke.Unmarshal(rep) }); err != nil {
		return nil, false
	}
	return &ke, true
}
