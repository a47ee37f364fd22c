//go:build linux

package pgxgss_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// encFakeServer reads the GSSENCRequest on one connection and hands the
// raw connection to serve. Like fakeServer, only for what real PostgreSQL
// cannot be made to do.
func encFakeServer(t *testing.T, serve func(t *testing.T, c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Minute)) // hang guard
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err != nil || binary.BigEndian.Uint32(req[4:]) != 80877104 {
			t.Errorf("fake server: no GSSENCRequest: %x %v", req, err)
			return
		}
		serve(t, c)
	}()
	return l.Addr().String()
}

func rawPacket(c net.Conn, b []byte) {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(b)))
	_, _ = c.Write(append(hdr[:], b...))
}

func readRawPacket(c net.Conn) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(c, b)
	return b, err
}

// acceptThen answers 'G', establishes the context with the realm's keytab
// and then lets after speak on it.
func acceptThen(after func(t *testing.T, c net.Conn, acc gss.SecContext)) func(*testing.T, net.Conn) {
	return func(t *testing.T, c net.Conn) {
		_, _ = c.Write([]byte{'G'})
		apReq, err := readRawPacket(c)
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		p, _ := platform.Provider()
		acc, err := p.AcceptSecContext()
		if err != nil {
			t.Errorf("fake server: %v", err)
			return
		}
		defer acc.Close()
		apRep, err := acc.Continue(apReq)
		if err != nil {
			t.Errorf("fake server: accept: %v", err)
			return
		}
		rawPacket(c, apRep)
		after(t, c, acc)
	}
}

// TestFakeServerEncryptionFailures: every way the encryption handshake or
// the protected stream can go wrong gives a typed error naming the step.
func TestFakeServerEncryptionFailures(t *testing.T) {
	pgServer(t)
	cases := []struct {
		name  string
		serve func(*testing.T, net.Conn)
		step  pgxgss.Step
		cause error
	}{
		{"refused", func(_ *testing.T, c net.Conn) { _, _ = c.Write([]byte{'N'}) }, pgxgss.StepEncrypt, pgxgss.ErrEncryptionRefused},
		{"pre-12-error", func(_ *testing.T, c net.Conn) { _, _ = c.Write([]byte("EFATAL")) }, pgxgss.StepEncrypt, pgxgss.ErrEncryptionRefused},
		{"closed-after-G", func(_ *testing.T, c net.Conn) { _, _ = c.Write([]byte{'G'}) }, pgxgss.StepEncrypt, io.EOF},
		{"garbage-ap-rep", func(_ *testing.T, c net.Conn) {
			_, _ = c.Write([]byte{'G'})
			_, _ = readRawPacket(c)
			rawPacket(c, []byte("not a token"))
		}, pgxgss.StepContinue, gss.ErrDefectiveToken},
		{"oversize-packet", func(_ *testing.T, c net.Conn) {
			_, _ = c.Write([]byte{'G'})
			_, _ = readRawPacket(c)
			_, _ = c.Write([]byte{0x00, 0x01, 0x00, 0x00})
		}, pgxgss.StepEncrypt, pgxgss.ErrBadPacket},
		{"unsealed-reply", acceptThen(func(t *testing.T, c net.Conn, acc gss.SecContext) {
			if _, err := readRawPacket(c); err != nil { // the wrapped startup message
				t.Errorf("fake server: %v", err)
			}
			tok, _, err := acc.Wrap([]byte("R\x00\x00\x00\x08\x00\x00\x00\x00"), false)
			if err != nil {
				t.Errorf("fake server: %v", err)
			}
			rawPacket(c, tok)
		}), pgxgss.StepUnwrap, pgxgss.ErrBadPacket},
		{"tampered-reply", acceptThen(func(t *testing.T, c net.Conn, acc gss.SecContext) {
			_, _ = readRawPacket(c)
			tok, _, err := acc.Wrap([]byte("R\x00\x00\x00\x08\x00\x00\x00\x00"), true)
			if err != nil {
				t.Errorf("fake server: %v", err)
			}
			tok[len(tok)-3] ^= 1
			rawPacket(c, tok)
		}), pgxgss.StepUnwrap, gss.ErrBadMIC},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host, port, _ := net.SplitHostPort(encFakeServer(t, tc.serve))
			_, err := connectEncrypted(t, "host="+host+" port="+port+" user=alice dbname=postgres sslmode=disable krbspn="+targetSvc)
			var ge *pgxgss.Error
			require.ErrorAs(t, err, &ge, "%v", err)
			assert.Equal(t, tc.step, ge.Step, "%v", err)
			assert.ErrorIs(t, err, tc.cause)
		})
	}
}
