package pgxgss

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReadPacket: the packet reader takes any bytes without panicking,
// never returns more than the limit allows, and round-trips what
// writePacket wrote.
func FuzzReadPacket(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c'})
	f.Add([]byte{0, 0, 0x3f, 0xfc})
	f.Add([]byte{0, 1, 0, 0, 1})
	f.Add([]byte("EFATAL"))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := readPacket(bytes.NewReader(in), maxPacket)
		if err != nil {
			if b != nil {
				t.Fatalf("data with an error")
			}
			if !errors.Is(err, ErrBadPacket) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(b)+4 > maxPacket || !bytes.Equal(b, in[4:4+len(b)]) {
			t.Fatalf("read %d bytes from %x", len(b), in)
		}
		var w bytes.Buffer
		if err := writePacket(&w, b); err != nil || !bytes.Equal(w.Bytes(), in[:4+len(b)]) {
			t.Fatalf("writePacket(%x) = %x, %v", b, w.Bytes(), err)
		}
	})
}

func TestPacketLimits(t *testing.T) {
	var w bytes.Buffer
	if err := writePacket(&w, make([]byte, maxPacket-4)); err != nil {
		t.Fatalf("largest packet: %v", err)
	}
	if err := writePacket(&w, make([]byte, maxPacket-3)); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("oversize packet: %v", err)
	}
	if _, err := readPacket(bytes.NewReader([]byte{0, 0, 0x40, 0}), maxPacket); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("oversize length: %v", err)
	}
}
