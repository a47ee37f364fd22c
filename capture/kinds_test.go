package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/pcapsynth"
	"github.com/gssnego/gssnego/negotiate"
)

// Synthetic companions of the recorded captures in windows_lab_test.go,
// for the carriers the lab does not record mid-stream, and for the
// orientation order itself.

// TestOrientMidStreamByContent: a connection whose SYN the capture missed,
// caught where the server speaks first, on two ephemeral ports (the
// server's lower): LDAP's protocolOp, DCE/RPC's PDU type and HTTP's status
// line name the server, where the order alone would name it the client.
func TestOrientMidStreamByContent(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	for _, carrier := range []string{"ldap", "dcerpc", "http"} {
		w := pcapsynth.NewWriter()
		c := w.Open(addr("10.7.1.1:50123"), addr("10.7.1.2:40001"))
		cut := w.Buf.Len()
		for i, tok := range s.toks {
			if i == 0 {
				continue // the capture begins after the client's first token
			}
			var msg []byte
			switch carrier {
			case "ldap":
				msg = ldapMessage(i/2+1, s.dirs[i], tok, "GSS-SPNEGO")
			case "dcerpc":
				pt := byte(rpcAlterContext)
				if s.dirs[i] == negotiate.AcceptorToInitiator {
					pt = rpcAlterResponse
				}
				if i == 1 {
					pt = rpcBindAck
				}
				msg = dcerpcPDU(pt, 9, tok)
			case "http":
				msg = httpMessage(s.dirs[i], tok)
			}
			c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, msg, 1400)
		}
		b := w.Buf.Bytes()
		res, err := Audit(bytes.NewReader(append(append([]byte(nil), b[:24]...), b[cut:]...)), Options{})
		require.NoError(t, err)
		require.Len(t, res.Exchanges, 1, carrier)
		e := res.Exchanges[0]
		assert.Equal(t, c.Client, e.Client, "%s: client", carrier)
		assert.NotEqual(t, negotiate.ResultProtocolError, e.Verdict().Result, "%s: %s", carrier, e.Verdict().Reason)
	}
}

// TestOrientOrder: what the message says, then well-known server ports,
// then privileged against ephemeral ports, then the order.
func TestOrientOrder(t *testing.T) {
	garbage := []byte("\x17\x03\x03\x00\x10not a carrier we read")
	for _, tc := range []struct {
		src, dst, client string
		first            []byte
	}{
		{"10.0.0.1:445", "10.0.0.2:50000", "10.0.0.2:50000", garbage},       // well-known port
		{"10.0.0.1:50000", "10.0.0.2:389", "10.0.0.1:50000", garbage},       // well-known port
		{"10.0.0.1:700", "10.0.0.2:50000", "10.0.0.2:50000", garbage},       // privileged
		{"10.0.0.1:50001", "10.0.0.2:50000", "10.0.0.1:50001", garbage},     // order
		{"10.0.0.1:50000", "10.0.0.2:445", "10.0.0.2:445", smbReplyBytes()}, // content beats the port
		{"10.0.0.1:389", "10.0.0.2:50000", "10.0.0.1:389", ldapMessage(1, negotiate.InitiatorToAcceptor, []byte{0x60, 0}, "GSS-SPNEGO")},
	} {
		src, dst := netip.MustParseAddrPort(tc.src), netip.MustParseAddrPort(tc.dst)
		k, _ := keyOf(segment{src: src, dst: dst})
		f := &flow{key: k}
		assert.Equal(t, tc.client, f.orient(src, tc.first).String(), "%s -> %s", tc.src, tc.dst)
	}
}

// smbReplyBytes is an SMB2 NEGOTIATE response header in a NetBIOS
// session message.
func smbReplyBytes() []byte {
	h := make([]byte, 4+64)
	h[3] = 64
	copy(h[4:], "\xfeSMB")
	binary.LittleEndian.PutUint32(h[4+16:], 1) // SMB2_FLAGS_SERVER_TO_REDIR
	return h
}

// TestAuditOffloadSynthetic: an LDAP exchange sent in 100-byte segments,
// rewritten as a sending host's capture under large-send offload shows
// it (segments merged, IPv4 total length 0), reads the same.
func TestAuditOffloadSynthetic(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.1.0.1:50010"), addr("10.1.0.2:389"))
	for i, tok := range s.toks {
		c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, ldapMessage(i/2+1, s.dirs[i], tok, "GSS-SPNEGO"), 100)
	}
	c.Close()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pcap"), filepath.Join(dir, "lso.pcap")
	writeRaw(t, in, w.Buf.Bytes())
	link, frames := readFrames(t, in)
	merged, n := offloadMerge(t, frames)
	require.Greater(t, n, len(s.toks))
	writeFrames(t, out, link, merged)
	a, b := auditFile(t, in), auditFile(t, out)
	assert.Empty(t, b.Warnings)
	require.Len(t, b.Exchanges, 1)
	assert.Equal(t, a.Exchanges[0].Tokens, b.Exchanges[0].Tokens)
	assert.Equal(t, expected(s).Result, b.Exchanges[0].Verdict().Result)
}

// TestAuditPortReuseSynthetic: the same address pair twice, the first
// connection's close not captured; the second SYN has a new initial
// sequence number and starts a new connection, with its own orientation
// and carrier state, while a retransmitted SYN does not.
func TestAuditPortReuseSynthetic(t *testing.T) {
	s := pickSet(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	w := pcapsynth.NewWriter()
	cl, sv := addr("10.1.0.1:50020"), addr("10.1.0.2:8080")
	for k, isn := range []uint32{1000, 7_000_000} {
		c := w.OpenSeq(cl, sv, isn, 5000+uint32(k))
		if k == 1 {
			w.Frame(cl, sv, isn, pcapsynth.SYN, nil, 0) // retransmitted SYN
		}
		// The first connection stops mid-body: an HTTP carrier left
		// waiting for bytes must not swallow the second connection.
		for i, tok := range s.toks {
			c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, httpMessage(s.dirs[i], tok), 1400)
		}
		if k == 0 {
			c.Send(true, []byte("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\npartial"), 1400)
		}
	}
	res, err := Audit(bytes.NewReader(w.Buf.Bytes()), Options{})
	require.NoError(t, err)
	require.Len(t, res.Exchanges, 2)
	for _, e := range res.Exchanges {
		assert.Equal(t, cl, e.Client)
		assert.Equal(t, expected(s).Result, e.Verdict().Result, e.Verdict().Reason)
		assert.Len(t, e.Tokens, len(s.toks))
	}
}

// TestAuditMidMessageSMB: a capture that begins inside an SMB message on
// both sides (the tail of a large READ and of its request) finds the next
// SMB header and reads the session setup that follows.
func TestAuditMidMessageSMB(t *testing.T) {
	var s vectorSet
	for _, v := range loadVectors(t) {
		if !v.startsWithInitiator() && len(v.toks) >= 3 {
			s = v
			break
		}
	}
	if s.toks == nil {
		t.Skip("no vector exchange that starts with the server's offer")
	}
	w := pcapsynth.NewWriter()
	c := w.Open(addr("10.2.0.1:50030"), addr("10.2.0.2:445"))
	cut := w.Buf.Len()
	tail := bytes.Repeat([]byte{0x42, 0, 0, 0, 0xfe}, 300) // the end of an earlier message
	c.Send(true, tail[:700], 1400)
	c.Send(false, tail, 1400)
	for i, tok := range s.toks {
		c.Send(s.dirs[i] == negotiate.InitiatorToAcceptor, smb2Message(s.dirs[i], tok), 1400)
	}
	b := w.Buf.Bytes()
	res, err := Audit(bytes.NewReader(append(append([]byte(nil), b[:24]...), b[cut:]...)), Options{})
	require.NoError(t, err)
	require.Len(t, res.Exchanges, 1, "warnings %v", res.Warnings)
	e := res.Exchanges[0]
	assert.Equal(t, c.Client, e.Client)
	assert.Len(t, e.Tokens, len(s.toks))
	assert.NotEqual(t, negotiate.ResultProtocolError, e.Verdict().Result, e.Verdict().Reason)
}
