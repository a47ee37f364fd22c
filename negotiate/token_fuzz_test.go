package negotiate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// seedVectors adds every testdata vector accepted by keep to f.
func seedVectors(f *testing.F, keep func([]byte) bool) {
	for _, name := range allVectors(f) {
		b := loadVector(f, name)
		if keep(b) {
			f.Add(b)
		}
	}
}

// checkRoundTrip is the codec property: no panic, and whatever parses
// marshals to bytes that re-parse to an equal Token.
func checkRoundTrip(t *testing.T, b []byte) {
	tok, err := Parse(b)
	if err != nil {
		require.IsType(t, (*ParseError)(nil), err)
		return
	}
	out, err := tok.Marshal()
	require.NoError(t, err)
	again, err := Parse(out)
	require.NoError(t, err, "re-parse of % x", out)
	require.Equal(t, tok, again)
	out2, err := again.Marshal()
	require.NoError(t, err)
	require.Equal(t, out, out2)
}

func FuzzParse(f *testing.F) {
	seedVectors(f, func([]byte) bool { return true })
	f.Fuzz(checkRoundTrip)
}

// FuzzParseInit mutates the NegTokenInit/NegTokenInit2 ([0] ...) behind a
// valid SPNEGO framing, so the fuzzer does not spend its time on the header.
func FuzzParseInit(f *testing.F) {
	for _, name := range allVectors(f) {
		if mech, body, err := gss.ParseFraming(loadVector(f, name)); err == nil && mech == gss.MechSPNEGO {
			f.Add(body)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRoundTrip(t, (&Token{}).wrapForTest(b))
	})
}

func FuzzParseResp(f *testing.F) {
	seedVectors(f, func(b []byte) bool { return b[0] == 0xa1 })
	f.Fuzz(func(t *testing.T, b []byte) {
		checkRoundTrip(t, b)
		checkRoundTrip(t, (&Token{}).wrapForTest(b))
	})
}
