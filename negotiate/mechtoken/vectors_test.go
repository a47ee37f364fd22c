package mechtoken

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/internal/der"
)

// The files in testdata/ are copies of the project's real tokens
// (negotiate/testdata/vectors: mit/, samba/, windows/), one hex token per file,
// names kept. Most are SPNEGO tokens; spnegoParts below is a test-only DER
// walker that digs out the inner mechanism token and the mechListMIC, so
// these tests do not depend on the negotiate codec.

// loadHex reads testdata/<name>.hex.
func loadHex(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".hex"))
	require.NoError(t, err)
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	return b
}

// allVectors lists every testdata token name (without .hex).
func allVectors(t testing.TB) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".hex") {
			rel, _ := filepath.Rel("testdata", path)
			names = append(names, strings.TrimSuffix(filepath.ToSlash(rel), ".hex"))
		}
		return err
	})
	require.NoError(t, err)
	return names
}

// spnegoParts returns the mechToken/responseToken and the mechListMIC of a
// SPNEGO token (NegTokenInit, NegTokenInit2 or NegTokenResp), either nil if
// absent. A token that is not SPNEGO is returned whole as tok, isSPNEGO false.
func spnegoParts(b []byte) (tok, mic []byte, isSPNEGO bool) {
	s := cryptobyte.String(b)
	var body cryptobyte.String
	switch {
	case len(b) > 0 && b[0] == 0x60:
		var outer, oid cryptobyte.String
		if !s.ReadASN1(&outer, 0x60) || !outer.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) ||
			string(oid) != "\x2b\x06\x01\x05\x05\x02" || !outer.ReadASN1(&body, der.Ctx(0)) {
			return b, nil, false
		}
	case len(b) > 0 && b[0] == 0xa1:
		if !s.ReadASN1(&body, der.Ctx(1)) {
			return b, nil, false
		}
	default:
		return b, nil, false
	}
	var seq cryptobyte.String
	if !body.ReadASN1(&seq, asn1.SEQUENCE) {
		return b, nil, false
	}
	for !seq.Empty() {
		var field cryptobyte.String
		var tag asn1.Tag
		if !seq.ReadAnyASN1(&field, &tag) {
			return b, nil, false
		}
		var v cryptobyte.String
		if (tag == der.Ctx(2) || tag == der.Ctx(3) || tag == der.Ctx(4)) && field.ReadASN1(&v, asn1.OCTET_STRING) {
			if tag == der.Ctx(2) {
				tok = v
			} else {
				mic = v
			}
		}
	}
	return tok, mic, true
}

// TestAllVectors sniffs every real token, its inner token and its
// mechListMIC: none may fail, and every SPNEGO-carried inner token and MIC
// of a mechanism this package reads must be recognized.
func TestAllVectors(t *testing.T) {
	for _, n := range allVectors(t) {
		whole := loadHex(t, n)
		tok, mic, _ := spnegoParts(whole)
		for _, b := range [][]byte{whole, tok, mic} {
			if b == nil {
				continue
			}
			info, err := Sniff(b)
			require.NoError(t, err, n)
			checkResult(t, b, info, err)
			t.Logf("%s: %v", n, info)
		}
	}
}
