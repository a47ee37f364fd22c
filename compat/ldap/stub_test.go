package ldapgss

import (
	"bytes"
	"net"
	"time"

	"github.com/gssnego/gssnego/gss"
)

// stubCtx stands in for an established context in tests of the framing
// alone (the real contexts are exercised against slapd and Samba): a wrap
// token is a marker octet (0x53 sealed, 0x49 integrity) and the message.
type stubCtx struct{}

func (stubCtx) Continue([]byte) ([]byte, error) { return nil, nil }
func (stubCtx) ContinueNeeded() bool            { return false }
func (stubCtx) Inquire() (*gss.SecContextInfo, error) {
	return &gss.SecContextInfo{Established: true}, nil
}
func (stubCtx) GetMIC([]byte) ([]byte, error)              { return nil, nil }
func (stubCtx) VerifyMIC([]byte, []byte) error             { return nil }
func (stubCtx) Export() ([]byte, error)                    { return nil, gss.ErrUnavailable }
func (stubCtx) Close() error                               { return nil }
func (stubCtx) WrapSizeLimit(_ bool, max int) (int, error) { return max - 1, nil }

func (stubCtx) Wrap(msg []byte, conf bool) ([]byte, bool, error) {
	m := byte(0x49)
	if conf {
		m = 0x53
	}
	return append([]byte{m}, msg...), conf, nil
}

func (stubCtx) Unwrap(tok []byte) ([]byte, bool, error) {
	if len(tok) == 0 || (tok[0] != 0x49 && tok[0] != 0x53) {
		return nil, false, gss.NewError("stub unwrap", gss.StatusDefectiveToken, 0, "", "bad marker")
	}
	return tok[1:], tok[0] == 0x53, nil
}

// streamConn is a net.Conn reading from a fixed stream and discarding writes.
type streamConn struct {
	r   *bytes.Reader
	out bytes.Buffer
}

func (c *streamConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *streamConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *streamConn) Close() error                     { return nil }
func (c *streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *streamConn) SetDeadline(time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

// saslBuffer frames a stub wrap token.
func saslBuffer(msg []byte, conf bool) []byte {
	tok, _, _ := stubCtx{}.Wrap(msg, conf)
	n := len(tok)
	return append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, tok...)
}

// bindResponse is an LDAPMessage with a BindResponse: messageID id,
// resultCode code, long-form lengths as Active Directory writes them.
func bindResponse(id, code byte) []byte {
	op := []byte{0x61, 0x84, 0, 0, 0, 7, 0x0a, 1, code, 0x04, 0, 0x04, 0}
	msg := append([]byte{0x02, 1, id}, op...)
	return append([]byte{0x30, 0x84, 0, 0, 0, byte(len(msg))}, msg...)
}

// searchDone is a short non-bind LDAPMessage (SearchResultDone, success).
func searchDone(id byte) []byte {
	return []byte{0x30, 0x0c, 0x02, 0x01, id, 0x65, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}
}
