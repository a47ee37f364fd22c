//go:build linux

package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/sambadc"
)

// A minimal SMB client for the kinds of traffic smbclient does not send:
// bare NTLMSSP in an SMB2 SESSION_SETUP after the server's SPNEGO offer,
// and an SMB1 session setup without extended security after an
// extended-security NEGOTIATE. It also dials from a chosen source port
// (port reuse) and with a small MSS (segments to merge as large-send
// offload leaves them). Tokens come from Samba's own ntlm_auth.

const (
	statusMoreProcessing = 0xc0000016
	tcpMaxSeg            = 2 // TCP_MAXSEG
)

// dialSMB connects to addr; local binds the source address (SO_REUSEADDR,
// so a port just used can be used again), mss > 0 sets TCP_MAXSEG (on
// loopback, whose segmentation offload passes larger segments as they
// are, a capture then shows segments longer than the MSS).
func dialSMB(t *testing.T, addr string, local *net.TCPAddr, mss int) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if local != nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
			}
			if serr == nil && mss > 0 {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpMaxSeg, mss)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	if local != nil {
		d.LocalAddr = local
	}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*net.TCPConn)
}

// nbssRoundTrip sends one SMB message in a NetBIOS session message and
// reads the answer. split sends it in two writes (two segments: Go sets
// TCP_NODELAY), which an offload capture shows merged.
func nbssRoundTrip(t *testing.T, c net.Conn, msg []byte, split ...bool) []byte {
	t.Helper()
	b := append([]byte{0, byte(len(msg) >> 16), byte(len(msg) >> 8), byte(len(msg))}, msg...)
	if len(split) > 0 && split[0] {
		_, err := c.Write(b[:len(b)/2])
		require.NoError(t, err)
		time.Sleep(5 * time.Millisecond)
		b = b[len(b)/2:]
	}
	_, err := c.Write(b)
	require.NoError(t, err)
	for {
		var h [4]byte
		_, err = io.ReadFull(c, h[:])
		require.NoError(t, err)
		n := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
		resp := make([]byte, n)
		_, err = io.ReadFull(c, resp)
		require.NoError(t, err)
		// Skip interim (async STATUS_PENDING) SMB2 responses.
		if len(resp) >= 64 && string(resp[:4]) == "\xfeSMB" && binary.LittleEndian.Uint32(resp[8:]) == statusPending {
			continue
		}
		return resp
	}
}

type smb2Client struct {
	c     net.Conn
	mid   uint64
	sid   uint64
	split bool // each request in two segments
}

func (s *smb2Client) header(cmd uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\xfeSMB")
	binary.LittleEndian.PutUint16(h[4:], 64)
	binary.LittleEndian.PutUint16(h[12:], cmd)
	binary.LittleEndian.PutUint16(h[14:], 31) // credits requested
	binary.LittleEndian.PutUint64(h[24:], s.mid)
	binary.LittleEndian.PutUint64(h[40:], s.sid)
	s.mid++
	return h
}

// negotiate offers SMB 2.0.2 and 2.1 and returns the server's offer.
func (s *smb2Client) negotiate(t *testing.T) []byte {
	t.Helper()
	b := s.header(smb2Negotiate)
	body := make([]byte, 36)
	binary.LittleEndian.PutUint16(body[0:], 36)
	binary.LittleEndian.PutUint16(body[2:], 2) // dialect count
	binary.LittleEndian.PutUint16(body[4:], 1) // signing enabled
	copy(body[12:28], "gssnego-audit-ts")
	b = append(b, body...)
	b = binary.LittleEndian.AppendUint16(b, 0x0202)
	b = binary.LittleEndian.AppendUint16(b, 0x0210)
	resp := nbssRoundTrip(t, s.c, b)
	require.Zero(t, binary.LittleEndian.Uint32(resp[8:]), "NEGOTIATE status")
	tok, err := securityBuffer(resp, smb2Negotiate, true)
	require.NoError(t, err)
	return tok
}

// sessionSetup sends one security buffer and returns the status and the
// server's buffer.
func (s *smb2Client) sessionSetup(t *testing.T, tok []byte) (uint32, []byte) {
	t.Helper()
	b := s.header(smb2SessionSetup)
	body := make([]byte, 24)
	binary.LittleEndian.PutUint16(body[0:], 25)
	body[3] = 1 // signing enabled
	binary.LittleEndian.PutUint16(body[12:], 64+24)
	binary.LittleEndian.PutUint16(body[14:], uint16(len(tok)))
	resp := nbssRoundTrip(t, s.c, append(append(b, body...), tok...), s.split)
	status := binary.LittleEndian.Uint32(resp[8:])
	s.sid = binary.LittleEndian.Uint64(resp[40:])
	out, err := securityBuffer(resp, smb2SessionSetup, true)
	require.NoError(t, err)
	return status, out
}

// smb2Login runs NEGOTIATE and SESSION_SETUP with tokens from h (Samba's
// SPNEGO or raw NTLMSSP client) until the server accepts.
func smb2Login(t *testing.T, c net.Conn, h *sambadc.Helper, split ...bool) {
	t.Helper()
	s := &smb2Client{c: c, split: len(split) > 0 && split[0]}
	require.NotEmpty(t, s.negotiate(t), "server's SPNEGO offer")
	tok, _, _, err := h.Step(nil)
	require.NoError(t, err)
	for i := 0; ; i++ {
		require.Less(t, i, 4, "session setup does not end")
		status, out := s.sessionSetup(t, tok)
		if status == 0 {
			if out != nil {
				_, done, _, err := h.Step(out)
				require.NoError(t, err)
				require.True(t, done)
			}
			return
		}
		require.Equal(t, uint32(statusMoreProcessing), status, "SESSION_SETUP status %#x", status)
		tok, _, _, err = h.Step(out)
		require.NoError(t, err)
	}
}

// smb1LegacyAfterOffer negotiates NT LM 0.12 with extended security (the
// server answers with its NegTokenInit2) and then sends an anonymous
// SESSION_SETUP_ANDX without extended security (WordCount 13), as old
// clients do. It returns the session setup's NT status.
func smb1LegacyAfterOffer(t *testing.T, c net.Conn) uint32 {
	t.Helper()
	hdr := func(cmd byte, flags2 uint16) []byte {
		h := make([]byte, 32)
		copy(h, "\xffSMB")
		h[4] = cmd
		h[9] = 0x18
		binary.LittleEndian.PutUint16(h[10:], flags2)
		binary.LittleEndian.PutUint16(h[26:], 0x4242) // PID
		return h
	}
	const ntStatus, longNames, extSec = 0x4000, 0x0001, 0x0800
	neg := append(hdr(smb1Negotiate, ntStatus|longNames|extSec), 0) // WordCount 0
	dialect := []byte("\x02NT LM 0.12\x00")
	neg = binary.LittleEndian.AppendUint16(neg, uint16(len(dialect)))
	resp := nbssRoundTrip(t, c, append(neg, dialect...))
	blob, legacy, err := smb1SecurityBlob(resp)
	require.NoError(t, err)
	require.False(t, legacy)
	require.NotEmpty(t, blob, "NEGOTIATE response without the server's SPNEGO offer")
	ss := append(hdr(smb1SessionSetupX, ntStatus|longNames), 13)
	words := make([]byte, 26)
	words[0] = 0xff                                       // no AndX command
	binary.LittleEndian.PutUint16(words[4:], 16644)       // MaxBufferSize
	binary.LittleEndian.PutUint16(words[6:], 1)           // MaxMpxCount
	binary.LittleEndian.PutUint32(words[22:], 0x00000040) // CAP_NT_STATUS
	ss = append(ss, words...)
	strs := []byte{0, 0, 0, 0} // account, domain, native OS, native LAN manager: empty (anonymous)
	ss = binary.LittleEndian.AppendUint16(ss, uint16(len(strs)))
	resp = nbssRoundTrip(t, c, append(ss, strs...))
	require.True(t, bytes.HasPrefix(resp, []byte("\xffSMB")))
	return binary.LittleEndian.Uint32(resp[5:])
}

// keepCapture copies a recorded capture to $GSSNEGO_KEEP_CAPTURE.name and,
// with GSSNEGO_UPDATE_CORPUS=1, into testdata/corpus, which the corpus
// test reads.
func keepCapture(t *testing.T, path, name string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if k := os.Getenv("GSSNEGO_KEEP_CAPTURE"); k != "" {
		os.WriteFile(k+"."+name+".pcap", b, 0o644)
	}
	if os.Getenv("GSSNEGO_UPDATE_CORPUS") == "1" {
		require.NoError(t, os.MkdirAll("testdata/corpus", 0o755))
		require.NoError(t, os.WriteFile("testdata/corpus/"+name+".pcap", b, 0o644))
	}
}
