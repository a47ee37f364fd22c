//go:build !windows

package sspisample

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func le32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }

// TestServerProtocolErrors sends broken input to a server and checks it
// fails that connection cleanly and keeps serving.
func TestServerProtocolErrors(t *testing.T) {
	lab.Provider(t)
	testrealm.Shared(t)
	cases := []struct {
		name string
		send []byte
		want error // nil: any error
	}{
		{"OversizedFrame", le32(1 << 30), ErrFrameTooLarge},
		{"FrameOverCap", append(le32(DefaultMaxToken+1), 0x60), ErrFrameTooLarge},
		{"EmptyFrame", le32(0), ErrEmptyFrame},
		{"EOFInLength", []byte{0x10, 0x00}, ErrShortRead},
		{"EOFInToken", append(le32(100), 0x60, 0x10), ErrShortRead},
		{"NoBytes", nil, ErrShortRead},
		{"GarbageToken", append(le32(8), []byte("garbage!")...), nil},
		{"TruncatedSPNEGO", append(le32(6), 0x60, 0x82, 0xff, 0xff, 0x06, 0x06), nil},
		{"BareNTLMSSPNegotiate", append(le32(12), []byte("NTLMSSP\x00\x01\x00\x00\x00")...), nil},
	}
	addr, done := startServer(t, Config{Timeout: 5 * time.Second})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			_, err := c.Write(tc.send)
			require.NoError(t, err)
			c.(*net.TCPConn).CloseWrite()
			reply, _ := io.ReadAll(c) // a reject token or nothing, never the message
			c.Close()
			require.NotContains(t, string(reply), Message)
			s := nextServed(t, done)
			require.Error(t, s.err)
			if tc.want != nil {
				require.ErrorIs(t, s.err, tc.want)
			}
		})
	}
	// Still serving, also while an idle client holds a connection open.
	idle := dial(t, addr)
	res, err := Client(dial(t, addr), "host@localhost", Config{})
	require.NoError(t, err)
	require.Equal(t, Message, string(res.Message))
	require.NoError(t, nextServed(t, done).err)
	idle.Close()
	require.ErrorIs(t, nextServed(t, done).err, ErrShortRead)
}

// fakeServer answers one connection with reply after reading the client's
// first frame.
func fakeServer(t *testing.T, reply []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := ReadFrame(c, DefaultMaxToken); err == nil {
			c.Write(reply)
		}
	}()
	return l.Addr().String()
}

// TestClientProtocolErrors checks the client's side of the same.
func TestClientProtocolErrors(t *testing.T) {
	lab.Provider(t)
	testrealm.Shared(t)
	cases := []struct {
		name  string
		reply []byte
		want  error
	}{
		{"OversizedFrame", le32(0xffffffff), ErrFrameTooLarge},
		{"EmptyFrame", le32(0), ErrEmptyFrame},
		{"EarlyEOF", nil, ErrShortRead},
		{"EOFInToken", append(le32(50), 0xa1), ErrShortRead},
		{"GarbageToken", append(le32(4), 1, 2, 3, 4), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Client(dial(t, fakeServer(t, tc.reply)), "host@localhost", Config{NoOptimisticToken: true})
			require.Error(t, err)
			require.NotNil(t, res)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	tr, ct, err := ParseMessage(MarshalMessage([]byte("trailer"), []byte("cipher")))
	require.NoError(t, err)
	require.Equal(t, "trailer", string(tr))
	require.Equal(t, "cipher", string(ct))
	for _, b := range [][]byte{nil, {1, 0}, le32(1), append(le32(5), 1, 2, 3, 4), le32(0xffffffff)} {
		_, _, err := ParseMessage(b)
		require.ErrorIs(t, err, ErrBadMessage, "%x", b)
	}
	_, ct, err = ParseMessage(le32(0))
	require.NoError(t, err)
	require.Empty(t, ct)
}

func TestFrames(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteFrame(&b, nil))
	require.Zero(t, b.Len(), "an empty token sends nothing, as SendMsg")
	require.NoError(t, WriteFrame(&b, []byte{1, 2, 3}))
	require.Equal(t, []byte{3, 0, 0, 0, 1, 2, 3}, b.Bytes())
	tok, err := ReadFrame(&b, 3)
	require.NoError(t, err)
	require.Equal(t, []byte{1, 2, 3}, tok)
	_, err = ReadFrame(bytes.NewReader([]byte{4, 0, 0, 0, 1, 2, 3, 4}), 3)
	require.ErrorIs(t, err, ErrFrameTooLarge)
	_, err = ReadFrame(errReader{}, 3)
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrShortRead))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }
