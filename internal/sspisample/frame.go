package sspisample

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxToken caps a frame when Config.MaxToken is 0. Windows' largest
// cbMaxToken (Negotiate, Kerberos with a big PAC) is 48256 bytes.
const DefaultMaxToken = 64 << 10

// Protocol errors; every framing failure wraps one of them.
var (
	// ErrFrameTooLarge: a frame's length exceeds the cap.
	ErrFrameTooLarge = errors.New("sspisample: frame too large")
	// ErrEmptyFrame: a frame of length zero (the sample never sends one).
	ErrEmptyFrame = errors.New("sspisample: empty frame")
	// ErrShortRead: the connection ended inside a frame or before one was due.
	ErrShortRead = errors.New("sspisample: connection closed early")
	// ErrBadMessage: the server's final message cannot be split into trailer
	// and ciphertext.
	ErrBadMessage = errors.New("sspisample: malformed server message")
)

// WriteFrame sends tok as [LE32 len][tok] (the sample's SendMsg). An empty
// tok sends nothing, as SendMsg does.
func WriteFrame(w io.Writer, tok []byte) error {
	if len(tok) == 0 {
		return nil
	}
	b := make([]byte, 4+len(tok))
	binary.LittleEndian.PutUint32(b, uint32(len(tok)))
	copy(b[4:], tok)
	_, err := w.Write(b)
	return err
}

// ReadFrame reads one [LE32 len][token] frame (the sample's ReceiveMsg),
// refusing lengths of zero or above limit.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, shortRead("frame length", err)
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	switch {
	case n == 0:
		return nil, ErrEmptyFrame
	case uint64(n) > uint64(limit):
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, limit)
	}
	tok := make([]byte, n)
	if _, err := io.ReadFull(r, tok); err != nil {
		return nil, shortRead(fmt.Sprintf("%d-byte frame", n), err)
	}
	return tok, nil
}

func shortRead(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: reading %s", ErrShortRead, what)
	}
	return fmt.Errorf("sspisample: reading %s: %w", what, err)
}

// MarshalMessage is the server's final message: [LE32 len(trailer)][trailer][ciphertext].
func MarshalMessage(trailer, ciphertext []byte) []byte {
	b := make([]byte, 4, 4+len(trailer)+len(ciphertext))
	binary.LittleEndian.PutUint32(b, uint32(len(trailer)))
	return append(append(b, trailer...), ciphertext...)
}

// ParseMessage splits the server's final message at its leading length.
func ParseMessage(b []byte) (trailer, ciphertext []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes, no trailer length", ErrBadMessage, len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("%w: trailer length %d, only %d bytes follow", ErrBadMessage, n, len(b)-4)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// readAll reads to EOF (the end of the server's message is the server
// closing the connection), refusing more than limit bytes.
func readAll(r io.Reader, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("sspisample: reading the server message: %w", err)
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%w: server message over %d bytes", ErrFrameTooLarge, limit)
	}
	return b, nil
}
