package ldapgss

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzLayerOffer: the server's 4-octet offer never panics the parser, and
// what it accepts has a known layer and a buffer for protection.
func FuzzLayerOffer(f *testing.F) {
	for _, s := range [][]byte{{7, 0, 0x10, 0}, {1, 0, 0, 0}, {6, 0, 0, 0}, {0xff, 0xff, 0xff, 0xff}, {}, {4, 1, 2, 3, 4}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := parseLayerOffer(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if o.layers == 0 || o.layers&^knownLayers != 0 || (o.layers&^LayerNone != 0 && o.maxBuf == 0) {
			t.Fatalf("accepted %x as %+v", b, o)
		}
		for _, can := range []bool{false, true} {
			if l, err := chooseLayer(o.layers, 0, can, false); err == nil && o.layers&l == 0 {
				t.Fatalf("chose %v from offer %v", l, o.layers)
			}
		}
	})
}

// FuzzReadPDU: the cleartext message reader consumes exactly the
// messages it returns and fails with typed errors.
func FuzzReadPDU(f *testing.F) {
	f.Add(concat(searchDone(1), bindResponse(2, 0)))
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x30, 0x80, 0, 0})
	f.Add([]byte{0x31, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReader(bytes.NewReader(b))
		var total int
		for {
			msg, err := readPDU(br, int64(total))
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrMalformed) {
					t.Fatalf("untyped error %v", err)
				}
				break
			}
			if !bytes.Equal(msg, b[total:total+len(msg)]) {
				t.Fatalf("message %x is not the input at %d", msg, total)
			}
			total += len(msg)
			_, _ = bindResult(msg)
		}
	})
}

// FuzzConnRead: a server stream read by an armed Conn (cleartext until a
// successful BindResponse, SASL buffers after) never panics or hangs and
// ends in a typed error or EOF.
func FuzzConnRead(f *testing.F) {
	f.Add(concat(bindResponse(3, 0), saslBuffer(searchDone(4), true)), uint16(1000))
	f.Add(concat(bindResponse(3, 0), []byte{0, 0, 0, 0}), uint16(1000))
	f.Add(concat(bindResponse(3, 0), []byte{0xff, 0xff, 0xff, 0xff}), uint16(1000))
	f.Add(concat(bindResponse(3, 14), bindResponse(3, 0), saslBuffer([]byte("x"), false)), uint16(10))
	f.Fuzz(func(t *testing.T, stream []byte, ourMax uint16) {
		c, _ := armedConn(t, stream, LayerConfidentiality, 1000, uint32(ourMax)|1)
		_, err := io.ReadAll(c)
		var le *LayerError
		if err != nil && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrMalformed) && !errors.As(err, &le) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
