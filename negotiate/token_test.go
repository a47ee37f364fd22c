package negotiate

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

const vectorsDir = "testdata/vectors"

// loadVector reads one hex token from testdata/vectors.
func loadVector(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorsDir, filepath.FromSlash(rel)))
	require.NoError(t, err)
	b, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	return b
}

// allVectors returns every .hex file under testdata/vectors, relative paths, sorted.
func allVectors(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(vectorsDir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".hex") {
			rel, _ := filepath.Rel(vectorsDir, path)
			out = append(out, filepath.ToSlash(rel)) // the READMEs name files with '/', on Windows too
		}
		return nil
	})
	require.NoError(t, err)
	sort.Strings(out)
	require.NotEmpty(t, out)
	return out
}

var mechNames = map[string]gss.OID{
	"MS-KRB5": gss.MechMSKRB5, "KRB5": gss.MechKRB5, "NEGOEX": gss.MechNegoEx,
	"NTLM": gss.MechNTLMSSP, "KRB5-U2U": gss.MechKRB5U2U, "IAKERB": gss.MechIAKERB,
}

func mechList(names ...string) []gss.OID {
	out := make([]gss.OID, len(names))
	for i, n := range names {
		out[i] = mechNames[n]
	}
	return out
}

// fact is what a vector README says about one SPNEGO token.
type fact struct {
	kind      Kind
	mechs     []gss.OID
	negState  NegState
	supported gss.OID
	mechToken bool // mechToken (Init) or responseToken (Resp) present
	mic       string
	hintName  string
}

// Hand-written from vectors/README.md (mit/ and samba/ tables).
var mitSambaFacts = map[string]fact{
	"mit/mit-a-default-aes256-01-i2a.hex":                {kind: KindInit, mechs: mechList("KRB5"), mechToken: true, mic: "absent"},
	"mit/mit-a-default-aes256-02-a2i.hex":                {kind: KindResp, negState: NegStateAcceptCompleted, supported: gss.MechKRB5, mechToken: true, mic: "absent"},
	"mit/curl-01-i2a.hex":                                {kind: KindInit, mechs: mechList("KRB5"), mechToken: true, mic: "absent"},
	"mit/httpd-02-a2i.hex":                               {kind: KindResp, negState: NegStateAcceptCompleted, supported: gss.MechKRB5, mechToken: true, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-aes256-01-i2a.hex":     {kind: KindInit, mechs: mechList("NTLM", "KRB5"), mechToken: true, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-aes256-02-a2i.hex":     {kind: KindResp, negState: NegStateRequestMIC, supported: gss.MechKRB5, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-aes256-03-i2a.hex":     {kind: KindResp, negState: NegStateAcceptIncomplete, mechToken: true, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i.hex":     {kind: KindResp, negState: NegStateAcceptIncomplete, mechToken: true, mic: "present"},
	"mit/mit-b-ntlm1st-krb5chosen-aes256-05-i2a.hex":     {kind: KindResp, negState: NegStateAcceptCompleted, mic: "present"},
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-01-i2a.hex": {kind: KindInit, mechs: mechList("NTLM", "KRB5"), mechToken: true, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-02-a2i.hex": {kind: KindResp, negState: NegStateRequestMIC, supported: gss.MechKRB5, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-03-i2a.hex": {kind: KindResp, negState: NegStateAcceptIncomplete, mechToken: true, mic: "absent"},
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-04-a2i.hex": {kind: KindResp, negState: NegStateAcceptIncomplete, mechToken: true, mic: "present"},
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-05-i2a.hex": {kind: KindResp, negState: NegStateAcceptCompleted, mic: "present"},
	"mit/mit-c-ntlm1st-ntlmchosen-01-i2a.hex":            {kind: KindInit, mechs: mechList("NTLM", "KRB5"), mechToken: true, mic: "absent"},
	"mit/mit-c-ntlm1st-ntlmchosen-02-a2i.hex":            {kind: KindResp, negState: NegStateAcceptIncomplete, supported: gss.MechNTLMSSP, mechToken: true, mic: "absent"},
	"mit/mit-c-ntlm1st-ntlmchosen-03-i2a.hex":            {kind: KindResp, negState: NegStateAcceptIncomplete, mechToken: true, mic: "present"},
	"mit/mit-c-ntlm1st-ntlmchosen-04-a2i.hex":            {kind: KindResp, negState: NegStateAcceptCompleted, mic: "present"},
	"samba/C1-downgrade-mic-exchange/01-client.hex":      {kind: KindInit, mechs: mechList("IAKERB", "KRB5"), mic: "absent"},
	"samba/C1-downgrade-mic-exchange/02-server.hex":      {kind: KindResp, negState: NegStateRequestMIC, supported: gss.MechKRB5, mic: "absent"},
	"samba/C1-downgrade-mic-exchange/03-client.hex":      {kind: KindResp, mechToken: true, mic: "absent"},
	"samba/C1-downgrade-mic-exchange/04-server.hex":      {kind: KindResp, negState: NegStateAcceptIncomplete, supported: gss.MechKRB5, mechToken: true, mic: "present"},
	"samba/C1-downgrade-mic-exchange/05-client.hex":      {kind: KindResp, mic: "present"},
	"samba/C1-downgrade-mic-exchange/06-server.hex":      {kind: KindResp, negState: NegStateAcceptCompleted, mic: "absent"},
	"samba/D-windows-style-mskrb5-first/01-client.hex":   {kind: KindInit, mechs: mechList("MS-KRB5", "KRB5", "NTLM"), mechToken: true, mic: "absent"},
	"samba/D-windows-style-mskrb5-first/02-server.hex":   {kind: KindResp, negState: NegStateAcceptCompleted, supported: gss.MechMSKRB5, mechToken: true, mic: "absent"},
	"samba/smb2-negprot-negtokeninit2-a2i.hex":           {kind: KindInit2, mechs: mechList("MS-KRB5", "KRB5", "NTLM"), mic: "absent", hintName: "not_defined_in_RFC4178@please_ignore"},
}

// windowsFacts reads the per-file structure column of windows/README.md, e.g.
// "NegTokenResp; negState=accept-completed(0); supportedMech=MS-KRB5; ...".
// Files whose structure is not SPNEGO map to a zero fact (kind 0).
func windowsFacts(t *testing.T) map[string]fact {
	f, err := os.Open(filepath.Join(vectorsDir, "windows", "README.md"))
	require.NoError(t, err)
	defer f.Close()
	out := map[string]fact{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| `") || !strings.Contains(line, ".hex` |") {
			continue
		}
		cols := strings.Split(line, " | ")
		name := strings.Trim(strings.TrimPrefix(cols[0], "| "), "`")
		structure := cols[3]
		var ft fact
		parts := strings.Split(structure, "; ")
		switch parts[0] {
		case "NegTokenInit":
			ft.kind = KindInit
		case "NegTokenInit2":
			ft.kind = KindInit2
		case "NegTokenResp":
			ft.kind = KindResp
		default:
			out["windows/"+name] = ft
			continue
		}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, "=")
			switch k {
			case "mechTypes":
				ft.mechs = mechList(strings.Split(strings.Trim(v, "[]"), ",")...)
			case "negState":
				switch {
				case v == "absent":
				case strings.HasSuffix(v, "(0)"):
					ft.negState = NegStateAcceptCompleted
				case strings.HasSuffix(v, "(1)"):
					ft.negState = NegStateAcceptIncomplete
				case strings.HasSuffix(v, "(3)"):
					ft.negState = NegStateRequestMIC
				default:
					t.Fatalf("%s: negState %q", name, v)
				}
			case "supportedMech":
				if v != "absent" {
					ft.supported = mechNames[v]
					require.NotEmpty(t, ft.supported, v)
				}
			case "mechToken", "responseToken":
				ft.mechToken = v != "absent"
			case "mechListMIC":
				switch {
				case v == "absent":
					ft.mic = "absent"
				case strings.HasPrefix(v, "COPY-OF-responseToken"):
					ft.mic = "copy"
				default:
					ft.mic = "present"
				}
			case "negHints.hintName":
				ft.hintName = strings.Trim(v, `"`)
			}
		}
		out["windows/"+name] = ft
	}
	require.NoError(t, sc.Err())
	require.Len(t, out, 118)
	return out
}

func TestVectorsDecodeToREADMEFacts(t *testing.T) {
	facts := windowsFacts(t)
	for k, v := range mitSambaFacts {
		facts[k] = v
	}
	for _, name := range allVectors(t) {
		t.Run(name, func(t *testing.T) {
			b := loadVector(t, name)
			want, ok := facts[name]
			require.True(t, ok, "no README fact for %s", name)
			tok, err := Parse(b)
			if want.kind == 0 {
				require.Error(t, err, "raw mechanism token must not parse as SPNEGO")
				assert.ErrorIs(t, err, mechtoken.ErrMalformed)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want.kind, tok.Kind)
			assert.False(t, tok.Framed)
			switch want.kind {
			case KindInit, KindInit2:
				assert.Equal(t, want.mechs, tok.MechTypes)
				assert.Equal(t, want.mechToken, tok.MechToken != nil, "mechToken presence")
				assert.Equal(t, want.hintName, string(tok.HintName))
				assert.Equal(t, want.hintName != "", tok.HasNegHints)
				assert.Equal(t, MarshalMechTypes(tok.MechTypes), tok.RawMechTypes)
			case KindResp:
				assert.Equal(t, want.negState, tok.NegState)
				assert.Equal(t, want.supported, tok.SupportedMech)
				assert.Equal(t, want.mechToken, tok.ResponseToken != nil, "responseToken presence")
			}
			switch want.mic {
			case "absent":
				assert.Nil(t, tok.MechListMIC)
			case "present":
				assert.NotNil(t, tok.MechListMIC)
				assert.False(t, tok.MICIsResponseTokenCopy)
			case "copy":
				assert.True(t, tok.MICIsResponseTokenCopy)
			default:
				t.Fatalf("fact without MIC presence")
			}
			// Round trip: all vectors are canonical DER.
			out, err := tok.Marshal()
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(b), hex.EncodeToString(out))
			// Re-encoding from the parsed OIDs gives the same bytes too.
			if tok.Kind != KindResp {
				tok2 := *tok
				tok2.RawMechTypes = nil
				out2, err := tok2.Marshal()
				require.NoError(t, err)
				assert.Equal(t, b, out2)
			}
		})
	}
}

func TestMICOverRawMechTypes(t *testing.T) {
	// docs/protocol.md: the MIC input for [MS-KRB5, KRB5, NegoEx, NTLM].
	want, _ := hex.DecodeString("302e06092a864882f71201020206092a864886f712010202060a2b06010401823702021e060a2b06010401823702020a")
	tok, err := Parse(loadVector(t, "windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win-01-i2a.hex"))
	require.NoError(t, err)
	assert.Equal(t, want, tok.RawMechTypes)
	assert.Equal(t, want, MarshalMechTypes(mechList("MS-KRB5", "KRB5", "NEGOEX", "NTLM")))
}

func TestParseAllocations(t *testing.T) {
	init := loadVector(t, "windows/kerberosnet-krb_rc4_with_delegation_win-01-i2a.hex")
	resp := loadVector(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i.hex")
	var tok Token
	for _, b := range [][]byte{init, resp} {
		n := testing.AllocsPerRun(100, func() {
			if err := tok.Unmarshal(b); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, n, "Unmarshal allocations")
		n = testing.AllocsPerRun(100, func() {
			if _, err := Parse(b); err != nil {
				t.Fatal(err)
			}
		})
		assert.LessOrEqual(t, n, 1.0, "Parse allocations")
	}
}

func TestFramedRespQuirk(t *testing.T) {
	resp := loadVector(t, "mit/mit-a-default-aes256-02-a2i.hex")
	framed := (&Token{Kind: KindResp, Framed: true}).wrapForTest(resp)
	tok, err := Parse(framed)
	require.NoError(t, err)
	assert.True(t, tok.Framed)
	assert.Equal(t, KindResp, tok.Kind)
	assert.Equal(t, NegStateAcceptCompleted, tok.NegState)
	out, err := tok.Marshal()
	require.NoError(t, err)
	assert.Equal(t, framed, out)
	tok.Framed = false
	out, err = tok.Marshal()
	require.NoError(t, err)
	assert.Equal(t, resp, out)
}

// wrapForTest puts inner behind the RFC 2743 SPNEGO framing.
func (*Token) wrapForTest(inner []byte) []byte {
	body := append([]byte{0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}, inner...)
	return append(derHeader(0x60, len(body)), body...)
}

func derHeader(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n < 0x100:
		return []byte{tag, 0x81, byte(n)}
	default:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	}
}

func TestMarshalBuildsTokens(t *testing.T) {
	init := &Token{Kind: KindInit, MechTypes: mechList("MS-KRB5", "KRB5"), ReqFlags: FlagMutual | FlagInteg, HasReqFlags: true, MechToken: []byte{1, 2}}
	b, err := init.Marshal()
	require.NoError(t, err)
	got, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, init.MechTypes, got.MechTypes)
	assert.Equal(t, FlagMutual|FlagInteg, got.ReqFlags)
	assert.Equal(t, []byte{1, 2}, got.MechToken)

	resp := &Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, SupportedMech: gss.MechNTLMSSP, MechListMIC: []byte{}}
	b, err = resp.Marshal()
	require.NoError(t, err)
	got, err = Parse(b)
	require.NoError(t, err)
	assert.Equal(t, NegStateAcceptIncomplete, got.NegState)
	assert.Equal(t, gss.MechNTLMSSP, got.SupportedMech)
	assert.NotNil(t, got.MechListMIC)
	assert.Empty(t, got.MechListMIC)

	_, err = (&Token{Kind: KindInit}).Marshal()
	assert.Error(t, err)
	_, err = (&Token{Kind: KindInit, MechTypes: mechList("KRB5"), HasNegHints: true}).Marshal()
	assert.Error(t, err)
	_, err = (&Token{}).Marshal()
	assert.Error(t, err)
}

func TestContextFlagsEncoding(t *testing.T) {
	for _, f := range []ContextFlags{0, FlagDeleg, FlagMutual | FlagInteg, 1 << 31, 0xffffffff} {
		tok := &Token{Kind: KindInit, MechTypes: mechList("KRB5"), HasReqFlags: true, ReqFlags: f}
		b, err := tok.Marshal()
		require.NoError(t, err)
		got, err := Parse(b)
		require.NoError(t, err)
		assert.Equal(t, f, got.ReqFlags)
		assert.True(t, got.HasReqFlags)
	}
}

func TestParseErrorIsMalformed(t *testing.T) {
	_, err := Parse([]byte{0xa1, 0x05})
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "NegTokenResp", pe.Token)
	assert.ErrorIs(t, err, mechtoken.ErrMalformed)
}
