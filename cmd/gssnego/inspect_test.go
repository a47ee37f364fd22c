package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const vectors = "../../negotiate/testdata/vectors"

func vec(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors, name))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInspectArgsHuman(t *testing.T) {
	var args []string
	for i := 1; i <= 5; i++ {
		args = append(args, vec(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-0"+string(rune('0'+i))+"-"+map[bool]string{true: "i2a", false: "a2i"}[i%2 == 1]+".hex"))
	}
	code, out, errs := runCLI(t, "", append([]string{"inspect"}, args...)...)
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "token 0  i2a  NegTokenInit")
	assert.Contains(t, out, "token 3  a2i  NegTokenResp")
	assert.Contains(t, out, "negState: request-mic")
	assert.Contains(t, out, "krb5 AP-REQ")
	assert.Contains(t, out, "verdict (windows profile): ok")
	assert.Contains(t, out, "acceptor MIC: due (selected-not-first), present in token 3 (rfc4121")
}

func TestInspectJSONFromFileWithHTTPHeaders(t *testing.T) {
	dir := t.TempDir()
	b1, _ := hex.DecodeString(vec(t, "mit/curl-01-i2a.hex"))
	b2, _ := hex.DecodeString(vec(t, "mit/httpd-02-a2i.hex"))
	content := "# curl against Apache\n" +
		"Authorization: Negotiate " + base64.StdEncoding.EncodeToString(b1) + "\n\n" +
		"WWW-Authenticate: Negotiate " + base64.StdEncoding.EncodeToString(b2) + "\n"
	f := filepath.Join(dir, "tokens.txt")
	require.NoError(t, os.WriteFile(f, []byte(content), 0o600))

	code, out, errs := runCLI(t, "", "inspect", "-json", "-f", f)
	require.Equal(t, 0, code, errs)
	var got struct {
		Tokens []struct {
			Index         int    `json:"index"`
			Direction     string `json:"direction"`
			Kind          string `json:"kind"`
			NegState      string `json:"negState"`
			SupportedMech struct {
				Name string `json:"name"`
			} `json:"supportedMech"`
			MechToken struct {
				Mech         string `json:"mech"`
				Message      string `json:"message"`
				TicketEtype  int    `json:"ticketEtype"`
				SessionEtype int    `json:"sessionEtype"`
			} `json:"mechToken"`
		} `json:"tokens"`
		Verdict struct {
			Profile      string `json:"profile"`
			Result       string `json:"result"`
			SelectedMech string `json:"selectedMech"`
			InitiatorMIC struct {
				Due bool `json:"due"`
			} `json:"initiatorMic"`
		} `json:"verdict"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got.Tokens, 2)
	assert.Equal(t, "i2a", got.Tokens[0].Direction)
	assert.Equal(t, "a2i", got.Tokens[1].Direction)
	assert.Equal(t, "NegTokenInit", got.Tokens[0].Kind)
	assert.Equal(t, "AP-REQ", got.Tokens[0].MechToken.Message)
	assert.Equal(t, 18, got.Tokens[0].MechToken.TicketEtype)
	assert.Equal(t, "accept-completed", got.Tokens[1].NegState)
	assert.Equal(t, "krb5", got.Tokens[1].SupportedMech.Name)
	assert.Equal(t, "AP-REP", got.Tokens[1].MechToken.Message)
	assert.Equal(t, "windows", got.Verdict.Profile)
	assert.Equal(t, "ok", got.Verdict.Result)
	assert.Equal(t, "1.2.840.113554.1.2.2", got.Verdict.SelectedMech)
	assert.False(t, got.Verdict.InitiatorMIC.Due)
}

func TestInspectStdinDirectionsAndProfile(t *testing.T) {
	// SMB starts with the acceptor's NegTokenInit2: say so with a2i:.
	var lines []string
	for i, d := range []string{"a2i", "i2a", "a2i"} {
		lines = append(lines, vec(t, "windows/zeek-smb2_krb_aes256_win_to_win-0"+string(rune('1'+i))+"-"+d+".hex"))
	}
	lines[0] = "a2i:" + lines[0]
	stdin := strings.Join(lines, "\n")
	code, out, errs := runCLI(t, stdin, "inspect")
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "token 0  a2i  NegTokenInit2")
	assert.Contains(t, out, "token 1  i2a  NegTokenInit")
	assert.Contains(t, out, "verdict (windows profile): ok")

	code, out, errs = runCLI(t, stdin, "inspect", "-profile", "strict")
	assert.Equal(t, exitPolicy, code)
	assert.Contains(t, out, "mic-missing")
	assert.Contains(t, errs, "strict-profile")
}

func TestInspectMalformed(t *testing.T) {
	code, out, errs := runCLI(t, "", "inspect", "a1073005a0030a01")
	assert.Equal(t, exitMalformed, code)
	assert.Contains(t, out, "malformed")
	assert.Contains(t, errs, "field negTokenResp at offset 0")

	// Trailing garbage after a real token.
	code, _, errs = runCLI(t, "", "inspect", vec(t, "mit/mit-a-default-aes256-02-a2i.hex")+"00")
	assert.Equal(t, exitMalformed, code)
	assert.Contains(t, errs, "offset 186")
}

func TestInspectUsageErrors(t *testing.T) {
	code, _, _ := runCLI(t, "", "inspect", "-profile", "bogus", "a1")
	assert.Equal(t, exitUsage, code)
	code, _, errs := runCLI(t, "", "inspect", "zz-not-a-token!")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "neither hex nor base64")
	code, _, _ = runCLI(t, "", "inspect")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI(t, "")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCLI(t, "", "nosuchcommand")
	assert.Equal(t, exitUsage, code)
}

func TestInspectPolicyFailure(t *testing.T) {
	// Downgrade to krb5 with the MICs cut off: the acceptor's AP-REP reply
	// claims completion without the exchange the downgrade requires.
	init := vec(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-01-i2a.hex")
	reqMIC := vec(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-02-a2i.hex")
	apreq := vec(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-03-i2a.hex")
	done := "a1073005a0030a0100"
	code, out, errs := runCLI(t, "", "inspect", init, reqMIC, apreq, done)
	assert.Equal(t, exitPolicy, code)
	assert.Contains(t, out, "downgrade-without-mic")
	assert.Contains(t, errs, "selected-not-first")
}

func TestDecodeToken(t *testing.T) {
	raw := []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00}
	b64 := base64.StdEncoding.EncodeToString(raw)
	for _, c := range []struct {
		in   string
		dir  string
		want []byte
	}{
		{"a1073005a0030a0100", "i2a", raw},
		{"A1 07 30 05 A0 03 0A 01 00", "i2a", raw},
		{b64, "i2a", raw},
		{strings.TrimRight(b64, "="), "i2a", raw},
		{"a2i:" + b64, "a2i", raw},
		{"WWW-Authenticate: Negotiate " + b64, "a2i", raw},
		{"authorization: negotiate " + b64, "i2a", raw},
		{"Negotiate " + b64, "i2a", raw},
		{"i2a:WWW-Authenticate: Negotiate " + b64, "i2a", raw},
	} {
		d, b, err := decodeToken(c.in, 1)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.dir, d.String(), c.in)
		assert.Equal(t, c.want, b, c.in)
	}
}

func TestInspectJSONMalformed(t *testing.T) {
	code, out, errs := runCLI(t, "", "inspect", "-json", vec(t, "mit/mit-a-default-aes256-01-i2a.hex"), "a2i:a1053003a0010a")
	assert.Equal(t, exitMalformed, code)
	assert.Contains(t, errs, "field negState at offset 6")
	var got struct {
		Tokens []struct {
			Kind  string `json:"kind"`
			Error *struct {
				Token  string
				Field  string
				Offset int
				Reason string
			} `json:"error"`
		} `json:"tokens"`
		Verdict struct {
			Result string `json:"result"`
		} `json:"verdict"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got.Tokens, 2)
	assert.Equal(t, "malformed", got.Tokens[1].Kind)
	require.NotNil(t, got.Tokens[1].Error)
	assert.Equal(t, "negState", got.Tokens[1].Error.Field)
	assert.Equal(t, 6, got.Tokens[1].Error.Offset)
	assert.Equal(t, "malformed", got.Verdict.Result)
}

func TestInspectBareMechanismTokens(t *testing.T) {
	var args []string
	for i, d := range []string{"i2a", "a2i", "i2a"} {
		args = append(args, vec(t, "windows/pyspnego-sspi_ntlm-0"+string(rune('1'+i))+"-"+d+".hex"))
	}
	code, out, errs := runCLI(t, "", append([]string{"inspect"}, args...)...)
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "bare mechanism token: ntlmssp AUTHENTICATE")
	assert.Contains(t, out, "not-spnego")
}

// TestInspectPartialServerHeader is the most common thing a user has: one
// WWW-Authenticate header pasted on its own. It decodes, says what cannot be
// decided without the earlier tokens, and exits 0; with -whole the same
// token is a NegTokenResp that follows nothing: a protocol error.
func TestInspectPartialServerHeader(t *testing.T) {
	b, err := hex.DecodeString(vec(t, "mit/httpd-02-a2i.hex"))
	require.NoError(t, err)
	header := "WWW-Authenticate: Negotiate " + base64.StdEncoding.EncodeToString(b)

	code, out, errs := runCLI(t, "", "inspect", header)
	assert.Equal(t, exitOK, code, errs)
	assert.Empty(t, errs)
	assert.Contains(t, out, "token 0  a2i  NegTokenResp")
	assert.Contains(t, out, "krb5 AP-REP")
	assert.Contains(t, out, "verdict (windows profile): partial: the transcript starts in the middle of an exchange")
	assert.Contains(t, out, "cannot be decided without the earlier tokens:")
	assert.Contains(t, out, "whether the selected mechanism is a downgrade")
	assert.NotContains(t, out, "protocol-error")

	code, out, errs = runCLI(t, "", "inspect", "-json", header)
	require.Equal(t, exitOK, code, errs)
	var got struct {
		Verdict struct {
			Result    string   `json:"result"`
			Partial   bool     `json:"partial"`
			Undecided []string `json:"undecided"`
		} `json:"verdict"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "partial", got.Verdict.Result)
	assert.True(t, got.Verdict.Partial)
	assert.NotEmpty(t, got.Verdict.Undecided)

	code, out, errs = runCLI(t, "", "inspect", "-whole", header)
	assert.Equal(t, exitPolicy, code)
	assert.Contains(t, out, "protocol-error: token 0: NegTokenResp before the initiator's NegTokenInit")
	assert.Contains(t, errs, "protocol violation")
}

// TestInspectLineTooLong names the limit and the flag that raises it
// instead of bufio's "token too long".
func TestInspectLineTooLong(t *testing.T) {
	b, err := hex.DecodeString(vec(t, "mit/httpd-02-a2i.hex"))
	require.NoError(t, err)
	line := "WWW-Authenticate: Negotiate " + base64.StdEncoding.EncodeToString(b) + "\n"

	code, _, errs := runCLI(t, "# a comment\n"+line, "inspect", "-max-line", "100")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "input line 2 is longer than 100 bytes")
	assert.Contains(t, errs, "raise it with -max-line")
	assert.NotContains(t, errs, "token too long")

	code, out, errs := runCLI(t, "# a comment\n"+line, "inspect", "-max-line", "1000")
	assert.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "partial")

	code, _, errs = runCLI(t, line, "inspect", "-max-line", "0")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "-max-line 0")
}
