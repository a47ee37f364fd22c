package mechtoken

import (
	"testing"
)

func benchSniff(b *testing.B, tok []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(tok)))
	for b.Loop() {
		if _, err := Sniff(tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSniffAPReq sniffs the 700-byte framed AP-REQ of an MIT exchange.
func BenchmarkSniffAPReq(b *testing.B) {
	tok, _, _ := spnegoParts(loadHex(b, "mit/mit-a-default-aes256-01-i2a"))
	benchSniff(b, tok)
}

// BenchmarkSniffAPRep sniffs the matching AP-REP.
func BenchmarkSniffAPRep(b *testing.B) {
	tok, _, _ := spnegoParts(loadHex(b, "mit/mit-a-default-aes256-02-a2i"))
	benchSniff(b, tok)
}

// BenchmarkSniffMIC sniffs a 28-byte RFC 4121 mechListMIC.
func BenchmarkSniffMIC(b *testing.B) {
	_, mic, _ := spnegoParts(loadHex(b, "mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i"))
	benchSniff(b, mic)
}

// BenchmarkSniffLegacyMIC sniffs a 37-byte framed RC4 mechListMIC.
func BenchmarkSniffLegacyMIC(b *testing.B) {
	_, mic, _ := spnegoParts(loadHex(b, "mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-04-a2i"))
	benchSniff(b, mic)
}

func TestSniffKerberosDoesNotAllocate(t *testing.T) {
	for _, name := range []string{"framed AP-REQ", "framed AP-REP", "raw AP-REQ", "raw KRB-ERROR", "framed KRB-ERROR", "RFC 4121 MIC", "RC4 MIC", "TGT-REQ", "NTLM signature", "legacy DES3 wrap", "unsealed CFX wrap"} {
		tok := kerberosSamples(t)[name]
		n := testing.AllocsPerRun(100, func() { _, _ = Sniff(tok) })
		if n != 0 {
			t.Errorf("%s: %v allocations per Sniff, want 0", name, n)
		}
	}
}
