package sshgss

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// FuzzFirstTokenMech: any input gives an OID or a defective-token error,
// never a panic; an OID is always one the framing really carried. Seeds:
// a real MIT SPNEGO token (../../negotiate/testdata/vectors) and the raw
// krb5 AP-REQ inside it.
func FuzzFirstTokenMech(f *testing.F) {
	spnego := readVector(f, "../../negotiate/testdata/vectors/mit/mit-a-default-aes256-01-i2a.hex")
	f.Add(spnego)
	krb5Frame := append([]byte{0x06, 0x09}, []byte(gss.MechKRB5)...)
	if i := bytes.Index(spnego[4:], krb5Frame); i > 4 {
		f.Add(spnego[4+i-4:]) // 60 82 LL LL 06 09 <krb5> …
	}
	for _, s := range []string{"", "60", "6000", "600206", "6003060100", "60020600", "608000"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		oid, err := firstTokenMech(tok)
		if err != nil {
			if !errors.Is(err, gss.ErrDefectiveToken) || !strings.Contains(err.Error(), "offset") {
				t.Fatalf("error %v: not a defective-token error naming an offset", err)
			}
			return
		}
		if len(oid) == 0 || !bytes.Contains(tok, []byte(oid)) {
			t.Fatalf("OID % x not in the token", []byte(oid))
		}
	})
}

func TestFirstTokenMech(t *testing.T) {
	spnego := readVector(t, "../../negotiate/testdata/vectors/mit/mit-a-default-aes256-01-i2a.hex")
	if m, err := firstTokenMech(spnego); err != nil || m != gss.MechSPNEGO {
		t.Fatalf("SPNEGO token: %v %v", m.MechName(), err)
	}
	if _, err := firstTokenMech(append(spnego, 0)); err == nil || !strings.Contains(err.Error(), "1 bytes after the framed token") {
		t.Fatalf("trailing byte: %v", err)
	}
	if _, err := firstTokenMech([]byte("garbage")); !errors.Is(err, gss.ErrDefectiveToken) {
		t.Fatalf("garbage: %v", err)
	}
}

func readVector(tb testing.TB, path string) []byte {
	tb.Helper()
	h, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(h)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
