package mechtoken

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// checkResult asserts the invariants every Sniff result keeps: a nil error or
// a *ParseError matching ErrMalformed with an offset inside the input, and a
// result that prints and marshals.
func checkResult(t testing.TB, b []byte, info Info, err error) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		if pe.Offset < 0 || pe.Offset > len(b) {
			t.Fatalf("offset %d outside the %d-byte input: %v", pe.Offset, len(b), err)
		}
		if info.Kind != KindOpaque {
			t.Fatalf("error with kind %v", info.Kind)
		}
		return
	}
	if info.Len != len(b) {
		t.Fatalf("Len %d, want %d", info.Len, len(b))
	}
	_ = info.String()
	if _, err := json.Marshal(info); err != nil {
		t.Fatalf("json: %v", err)
	}
}

// kerberosSamples are well-formed Kerberos tokens of every shape.
func kerberosSamples(t testing.TB) map[string][]byte {
	t.Helper()
	part := func(name, which string) []byte {
		tok, mic, _ := spnegoParts(loadHex(t, name))
		if which == "mic" {
			return mic
		}
		return tok
	}
	return map[string][]byte{
		"framed AP-REQ":     part("mit/mit-a-default-aes256-01-i2a", "tok"),
		"framed AP-REP":     part("mit/mit-a-default-aes256-02-a2i", "tok"),
		"raw AP-REQ":        part("windows/zeek-ldap_krb_rawapreq_nomutual_ws2022-01-i2a", "tok"),
		"raw AP-REP":        part("windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win-02-a2i", "tok"),
		"TGT-REQ":           part("windows/kerberosnet-krb5_u2u_tgtreq_win-01-i2a", "tok"),
		"RC4 MIC":           part("mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-04-a2i", "mic"),
		"raw KRB-ERROR":     krbError(t),
		"framed KRB-ERROR":  frameB(gss.MechKRB5, append([]byte{0x03, 0x00}, krbError(t)...)),
		"RFC 4121 MIC":      part("mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i", "mic"),
		"NTLM signature":    part("mit/mit-c-ntlm1st-ntlmchosen-03-i2a", "mic"),
		"legacy DES3 wrap":  frameB(gss.MechKRB5, mustHex(t, stripSpaces("0201 0400 0200 ffff 1111111111111111 2222222222222222222222222222222222222222 3333333333333333"))),
		"unsealed CFX wrap": mustHex(t, stripSpaces("0504 04 ff 000c 0000 0102030405060708 6869 00112233445566778899aabb")),
	}
}

// TestTruncation cuts every sample at every byte: DER tokens must fail with a
// typed error (their outer length no longer fits); nothing may panic.
func TestTruncation(t *testing.T) {
	for name, b := range kerberosSamples(t) {
		for i := 0; i < len(b); i++ {
			in := bytes.Clone(b[:i])
			info, err := Sniff(in)
			checkResult(t, in, info, err)
			switch {
			case name == "RFC 4121 MIC" && i > cfxHeaderLen, name == "unsealed CFX wrap" && i >= cfxHeaderLen+12:
				// Still a well-formed token, just with a shorter checksum or payload.
			case name == "NTLM signature" || i == 0:
				assert.NoError(t, err, "%s[:%d]", name, i) // opaque
			case name == "unsealed CFX wrap" && i == 1, name == "RFC 4121 MIC" && i == 1:
				assert.NoError(t, err) // one byte: not recognized
			default:
				assert.Error(t, err, "%s[:%d]", name, i)
			}
		}
	}
}

// TestCorruption flips, in every sample, each byte to a few bad values; only
// the invariants are checked (any outcome is fine except a panic or an
// untyped error).
func TestCorruption(t *testing.T) {
	for _, b := range kerberosSamples(t) {
		for i := range b {
			for _, v := range []byte{0x00, 0x7f, 0x80, 0x84, 0xff, b[i] ^ 0x01} {
				in := bytes.Clone(b)
				in[i] = v
				info, err := Sniff(in)
				checkResult(t, in, info, err)
			}
		}
	}
}

func TestMalformedKerberos(t *testing.T) {
	apreq := kerberosSamples(t)["framed AP-REQ"]
	krbErr := krbError(t)
	tests := []struct {
		name        string
		in          []byte
		token, fld  string
		offset      int
		reasonMatch string
	}{
		{"huge framing length", []byte{0x60, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x06, 0x09}, "GSS framing", "InitialContextToken", 0, "length"},
		{"framing length one too long", append([]byte{0x60, apreq[1], apreq[2], apreq[3] + 1}, apreq[4:]...), "GSS framing", "InitialContextToken", 0, "length"},
		{"framing without OID", []byte{0x60, 0x02, 0x04, 0x00}, "GSS framing", "thisMech", 2, "wrong tag 0x04"},
		{"krb5 framing with one-byte inner token", frameB(gss.MechKRB5, []byte{0x01}), "krb5 token", "TOK_ID", 13, "truncated"},
		{"AP-REQ trailing byte inside framing", frameB(gss.MechKRB5, append(bytes.Clone(apreq[15:]), 0x00)), "AP-REQ", "message", len(apreq), "1 trailing bytes"},
		{"AP-REQ wrong pvno", replaceOnce(apreq, []byte{0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x0e}, []byte{0xa0, 0x03, 0x02, 0x01, 0x04, 0xa1, 0x03, 0x02, 0x01, 0x0e}), "AP-REQ", "pvno", 25, "value 4, want 5"},
		{"AP-REQ wrong msg-type", replaceOnce(apreq, []byte{0xa1, 0x03, 0x02, 0x01, 0x0e}, []byte{0xa1, 0x03, 0x02, 0x01, 0x0f}), "AP-REQ", "msg-type", 30, "value 15, want 14"},
		{"AP-REQ under the AP-REP TOK_ID", frameB(gss.MechKRB5, append([]byte{0x02, 0x00}, apreq[17:]...)), "AP-REP", "message", 17, "wrong tag 0x6e, want 0x6f"},
		{"realm with wrong string tag", replaceOnce(apreq, []byte{0x1b, 0x0c, 'E', 'X'}, []byte{0x0c, 0x0c, 'E', 'X'}), "AP-REQ", "ticket.realm", -1, "wrong tag 0x0c, want 0x1b"},
		{"raw KRB-ERROR bad stime", bytes.Replace(krbErr, []byte("20261124153000Z"), []byte("20261324153000Z"), 1), "KRB-ERROR", "stime", -1, "KerberosTime"},
		{"raw KRB-ERROR negative susec", bytes.Replace(krbErr, []byte{0xa5, 0x05, 0x02, 0x03, 0x01, 0xe2, 0x40}, []byte{0xa5, 0x05, 0x02, 0x03, 0x80, 0xe2, 0x40}, 1), "KRB-ERROR", "susec", -1, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.in)
			checkResult(t, tt.in, info, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.token, pe.Token)
			assert.Equal(t, tt.fld, pe.Field)
			if tt.offset >= 0 {
				assert.Equal(t, tt.offset, pe.Offset)
			}
			assert.Contains(t, pe.Reason, tt.reasonMatch)
		})
	}
}

func replaceOnce(b, old, new []byte) []byte {
	if !bytes.Contains(b, old) {
		panic("pattern not found")
	}
	return bytes.Replace(b, old, new, 1)
}

func TestMalformedPerMessage(t *testing.T) {
	k := gss.MechKRB5
	tests := []struct {
		name, field string
		in          []byte
		offset      int
	}{
		{"CFX MIC bad filler", "Filler", mustHex(t, "040400ffffff00ff000000000000000100112233445566778899aabb"), 6},
		{"CFX Wrap bad filler", "Filler", mustHex(t, "050400fe000c00000000000000000001"+"00112233445566778899aabb"), 3},
		{"CFX MIC header only", "SGN_CKSUM", mustHex(t, "040400ffffffffff0000000000000001"), 16},
		{"CFX MIC short header", "header", mustHex(t, "040400ffffffffff"), 8},
		{"CFX unsealed Wrap EC past end", "EC", mustHex(t, "050400ff00ff00000000000000000001"+"0011"), 4},
		{"legacy unknown SGN_ALG", "SGN_ALG", frameB(k, mustHex(t, "01010300ffffffff11111111111111112222222222222222")), 15},
		{"legacy SEAL_ALG mismatch", "SEAL_ALG", frameB(k, mustHex(t, "020111000000ffff111111111111111122222222222222223333333333333333")), 17},
		{"legacy MIC trailing byte", "MIC", frameB(k, mustHex(t, "01011100ffffffff1111111111111111222222222222222200")), 37},
		{"legacy MIC bad filler", "Filler", frameB(k, mustHex(t, "01011100ffff00ff11111111111111112222222222222222")), 19},
		{"legacy wrap without confounder", "Confounder", frameB(k, mustHex(t, "02011100ffffffff11111111111111112222222222222222")), 37},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.in)
			checkResult(t, tt.in, info, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field)
			assert.Equal(t, tt.offset, pe.Offset, "%v", err)
		})
	}
}

func TestOpaque(t *testing.T) {
	for _, in := range [][]byte{
		nil, {}, {0x04}, {0xa1, 0x00}, []byte("hello, world"),
		frameB(gss.MechSPNEGO, []byte{0xa0, 0x00}),     // framed, but not a mechanism token we read
		frameB(gss.MechKRB5, []byte{0x01, 0x02, 0xff}), // krb5 delete-context token: not read
		make([]byte, 16), // 16 bytes, but not an NTLM signature
	} {
		info, err := Sniff(in)
		require.NoError(t, err, "% x", in)
		assert.Equal(t, KindOpaque, info.Kind, "% x", in)
	}
	info, _ := Sniff(frameB(gss.MechSPNEGO, []byte{0xa0, 0x00}))
	assert.Equal(t, gss.MechSPNEGO, info.Mech)
	assert.Equal(t, "opaque spnego token, 12 bytes", info.String())
	sig := make([]byte, 16)
	binary.LittleEndian.PutUint32(sig, 2)
	info, _ = Sniff(sig)
	assert.Equal(t, KindOpaque, info.Kind)
}
