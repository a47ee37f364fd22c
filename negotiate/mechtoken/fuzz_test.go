package mechtoken

import (
	"bytes"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// seedAll adds every testdata token, its inner token and its mechListMIC.
func seedAll(f *testing.F, keep func(b []byte) bool) {
	for _, n := range allVectors(f) {
		b := loadHex(f, n)
		tok, mic, _ := spnegoParts(b)
		for _, s := range [][]byte{b, tok, mic} {
			if s != nil && keep(s) {
				f.Add(s)
			}
		}
	}
	for _, s := range kerberosSamples(f) {
		if keep(s) {
			f.Add(s)
		}
	}
}

// FuzzSniff checks Sniff's contract on any input: no panic, a typed error
// with an in-range offset, a printable and marshalable result.
func FuzzSniff(f *testing.F) {
	seedAll(f, func([]byte) bool { return true })
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Sniff(b)
		checkResult(t, b, info, err)
	})
}

// FuzzKerberos mutates only the Kerberos message, reached both framed and
// raw, so the fuzzer does not spend its time breaking the framing.
func FuzzKerberos(f *testing.F) {
	seedAll(f, func(b []byte) bool {
		mech, _, err := gss.ParseFraming(b)
		return err == nil && mech.IsKerberos() || len(b) > 0 && (b[0] == 0x6e || b[0] == 0x6f || b[0] == 0x7e)
	})
	f.Fuzz(func(t *testing.T, msg []byte) {
		for _, tokID := range []uint16{0, TokIDAPReq, TokIDAPRep, TokIDError, TokIDTGTReq, TokIDTGTRep} {
			in := msg
			if tokID != 0 {
				in = frameB(gss.MechKRB5, append([]byte{byte(tokID >> 8), byte(tokID)}, msg...))
			}
			info, err := Sniff(in)
			checkResult(t, in, info, err)
		}
	})
}

// FuzzPerMessage fuzzes RFC 4121 tokens and the inner part of legacy ones.
func FuzzPerMessage(f *testing.F) {
	seedAll(f, func(b []byte) bool {
		info, err := Sniff(b)
		return err == nil && info.Kind.PerMessage()
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Sniff(b)
		checkResult(t, b, info, err)
		in := frameB(gss.MechKRB5, b)
		info, err = Sniff(in)
		checkResult(t, in, info, err)
	})
}

// FuzzNTLM fuzzes NTLMSSP messages and NegoEx tokens (both little-endian
// offset/length formats).
func FuzzNTLM(f *testing.F) {
	seedAll(f, func(b []byte) bool {
		return bytes.HasPrefix(b, []byte(ntlmSignature)) || bytes.HasPrefix(b, []byte(negoExSignature))
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Sniff(b)
		checkResult(t, b, info, err)
	})
}
