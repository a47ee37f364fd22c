package ldapgss

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func armedConn(t *testing.T, stream []byte, layer Layer, peerMax, ourMax uint32) (*Conn, *streamConn) {
	t.Helper()
	sc := &streamConn{r: bytes.NewReader(stream)}
	c := NewConn(sc)
	if err := c.arm(newSharedCtx(stubCtx{}), layer, peerMax, ourMax); err != nil {
		t.Fatal(err)
	}
	return c, sc
}

// TestConnSwitch: the layer starts exactly after the BindResponse that
// completes the bind, even when the first protected buffer arrives in the
// same read; a saslBindInProgress answer keeps waiting; a failed bind
// leaves the session unprotected.
func TestConnSwitch(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		stream := concat(searchDone(1), bindResponse(2, resultSaslBindInProgress), bindResponse(3, resultSuccess),
			saslBuffer(searchDone(4), true), saslBuffer(searchDone(5), true))
		c, _ := armedConn(t, stream, LayerConfidentiality, 1000, 1000)
		got, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		want := concat(searchDone(1), bindResponse(2, resultSaslBindInProgress), bindResponse(3, resultSuccess), searchDone(4), searchDone(5))
		if !bytes.Equal(got, want) || c.Layer() != LayerConfidentiality {
			t.Fatalf("read %x (layer %v), want %x", got, c.Layer(), want)
		}
	})
	t.Run("refused", func(t *testing.T) {
		stream := concat(bindResponse(3, 49), searchDone(4))
		c, _ := armedConn(t, stream, LayerIntegrity, 1000, 1000)
		got, err := io.ReadAll(c)
		if err != nil || !bytes.Equal(got, stream) || c.Layer() != LayerNone {
			t.Fatalf("read %x, %v (layer %v)", got, err, c.Layer())
		}
	})
	t.Run("integrity-buffer-on-sealed-session", func(t *testing.T) {
		c, _ := armedConn(t, concat(bindResponse(3, 0), saslBuffer(searchDone(4), false)), LayerConfidentiality, 1000, 1000)
		_, err := io.ReadAll(c)
		var le *LayerError
		if !errors.As(err, &le) || le.Buffer != 1 || le.Op != "read" {
			t.Fatalf("error %v, want a LayerError for buffer 1", err)
		}
	})
	t.Run("buffer-over-our-maximum", func(t *testing.T) {
		c, _ := armedConn(t, concat(bindResponse(3, 0), saslBuffer(make([]byte, 100), true)), LayerConfidentiality, 1000, 50)
		_, err := io.ReadAll(c)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v, want a FormatError", err)
		}
		t.Log(err)
	})
	t.Run("truncated-buffer", func(t *testing.T) {
		b := saslBuffer(searchDone(4), true)
		c, _ := armedConn(t, concat(bindResponse(3, 0), b[:len(b)-1]), LayerConfidentiality, 1000, 1000)
		if _, err := io.ReadAll(c); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v, want unexpected EOF", err)
		}
	})
}

// TestConnWriteSplits: after the switch a message larger than the
// server's buffer goes out as several buffers, each within its maximum.
func TestConnWriteSplits(t *testing.T) {
	c, sc := armedConn(t, bindResponse(3, 0), LayerIntegrity, 5, 1000)
	if _, err := io.ReadAll(c); err != nil {
		t.Fatal(err)
	}
	msg := searchDone(9)
	if n, err := c.Write(msg); err != nil || n != len(msg) {
		t.Fatalf("write: %d, %v", n, err)
	}
	var got []byte
	out := sc.out.Bytes()
	for len(out) > 0 {
		n := int(out[0])<<24 | int(out[1])<<16 | int(out[2])<<8 | int(out[3])
		if n > 5 || out[4] != 0x49 {
			t.Fatalf("buffer of %d octets (max 5) marker %x", n, out[4])
		}
		got = append(got, out[5:4+n]...)
		out = out[4+n:]
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("reassembled %x, want %x", got, msg)
	}
}

// TestConnStartTLSPassThrough: a TLS ClientHello written before any layer
// makes the Conn pass everything through.
func TestConnStartTLSPassThrough(t *testing.T) {
	sc := &streamConn{r: bytes.NewReader(concat(searchDone(1), []byte{0x16, 0x03, 0x03, 0x00, 0x01, 0xff}))}
	c := NewConn(sc)
	buf := make([]byte, len(searchDone(1)))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte{0x16, 0x03, 0x01}); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(rest, []byte{0x16, 0x03, 0x03, 0x00, 0x01, 0xff}) {
		t.Fatalf("after StartTLS read %x, %v", rest, err)
	}
}

// TestConnReaderBlockedBeforeArm is go-ldap's situation: its reader is
// already waiting inside Read when the Client arms the Conn, and the
// server's BindResponse and first protected buffer arrive in one segment.
func TestConnReaderBlockedBeforeArm(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := NewConn(client)
	defer c.Close()
	got := make(chan []byte, 1)
	go func() {
		var all []byte
		buf := make([]byte, 7) // small reads, as a bufio.Reader might not do
		for len(all) < len(bindResponse(3, 0))+len(searchDone(4)) {
			n, err := c.Read(buf)
			if err != nil {
				break
			}
			all = append(all, buf[:n]...)
		}
		got <- all
	}()
	time.Sleep(10 * time.Millisecond) // let the reader block; correctness does not depend on it
	if err := c.arm(newSharedCtx(stubCtx{}), LayerConfidentiality, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = server.Write(concat(bindResponse(3, 0), saslBuffer(searchDone(4), true))) }()
	select {
	case all := <-got:
		if want := concat(bindResponse(3, 0), searchDone(4)); !bytes.Equal(all, want) {
			t.Fatalf("read %x, want %x", all, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reader hung")
	}
}
