package mechtoken

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

func TestNTLMAuthenticateVectors(t *testing.T) {
	tests := []struct {
		name      string
		summary   string
		mic       bool
		micOffset int
		v2        bool
	}{
		{"mit/mit-c-ntlm1st-ntlmchosen-03-i2a", `NTLM AUTHENTICATE EXAMPLE\user from VM v6.2.0 flags 0xe28a8215 NTLMv2 with MIC`, true, 72, true},
		{"windows/pyspnego-sspi_ntlm-03-i2a", `NTLM AUTHENTICATE vagrant-domain@DOMAIN.LOCAL from SERVER2019 v10.0.17763 flags 0xe2888235 NTLMv2 with MIC`, true, 72, true},
		{"windows/pyspnego-sspi_ntlm_in_smb_spnego-04-i2a", `NTLM AUTHENTICATE DOMAIN\vagrant-domain from SERVER2019 v10.0.17763 flags 0xe2888215 NTLMv2 with MIC`, true, 72, true},
		{"windows/pyspnego-gssapi_negotiate_ntlm_with_ntlm-03-i2a", "", true, 72, true},
		{"windows/pyspnego-heimdal_macos_ntlm-03-i2a", "", true, 72, true},
		{"windows/scapy-smb2_ntlm_win10_to_ws2019_pw_known-04-i2a", `NTLM AUTHENTICATE DOMAIN\User1 from WIN10 v10.0.19041 flags 0xe2888215 NTLMv2 with MIC`, true, 72, true},
		{"windows/zeek-smb3_ntlm_negoex_win10_workgroup-04-i2a", "", true, 72, true},
		// gss-ntlmssp without NEGOTIATE_VERSION leaves the Version field out:
		// MsvAvFlags says MIC, and it sits at 64 (the vectors README, reading
		// offset 72, calls this one "no-MIC").
		{"windows/pyspnego-gssapi_negotiate_ntlm_fallback-05-i2a", "", true, 64, true},
		{"windows/pyspnego-gssapi_ntlm-03-i2a", `NTLM AUTHENTICATE vagrant-domain@DOMAIN.LOCAL from JBOREAN-LINUX v6.2.0 flags 0xe2898235 NTLMv2 no MIC`, false, 0, true},
		{"windows/pyspnego-heimdal_ntlm-03-i2a", `NTLM AUTHENTICATE DOMAIN\vagrant-domain from workstation v6.1.7600 flags 0x42898205 NTLMv1 no MIC`, false, 0, false},
		{"windows/responder3-smb_ntlm_xp_to_ws2008-03-i2a", "", false, 0, false},
		{"windows/scapy-smb1_ntlm_anonymous_win10_to_win81-04-i2a", `NTLM AUTHENTICATE anonymous from DESKTOP-V1FA0UQ v10.0.10586 flags 0xe2888a15 no MIC`, false, 0, false},
		{"windows/zeek-smb2_ntlm_anonymous_ws2022-04-i2a", "", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, b, err := sniffPart(t, tt.name, "tok")
			require.NoError(t, err)
			require.Equal(t, KindNTLMAuthenticate, info.Kind)
			n := info.NTLM
			assert.Equal(t, tt.mic, n.HasMIC())
			assert.Equal(t, tt.v2, n.NTLMv2)
			assert.Equal(t, tt.mic, n.AvFlags&AvFlagMICPresent != 0)
			if tt.mic {
				assert.Equal(t, tt.micOffset, n.MICOffset)
				assert.Equal(t, []byte(b[tt.micOffset:tt.micOffset+16]), []byte(n.MIC))
			}
			if tt.summary != "" {
				assert.Equal(t, tt.summary, info.String())
			}
			assert.Equal(t, gss.MechNTLMSSP, info.Kind.Mech())
			assert.Equal(t, gss.OID(""), info.Mech, "NTLMSSP is never framed")
		})
	}
}

func TestNTLMFields(t *testing.T) {
	info, b, err := sniffPart(t, "windows/scapy-smb2_ntlm_win10_to_ws2019_pw_known-04-i2a", "tok")
	require.NoError(t, err)
	n := info.NTLM
	assert.Equal(t, "DOMAIN", n.DomainName.String())
	assert.Equal(t, "User1", n.UserName.String())
	assert.Equal(t, "WIN10", n.Workstation.String())
	assert.True(t, n.UserName.Unicode)
	assert.Equal(t, NTLMVersion{10, 0, 19041, 15}, n.Version)
	assert.Equal(t, 16, n.SessionKeyLen)
	assert.False(t, n.Anonymous())
	for _, f := range []NTLMFlags{NTLMFlagUnicode, NTLMFlagSign, NTLMFlagNTLM, NTLMFlagAlwaysSign,
		NTLMFlagExtendedSessionSecurity, NTLMFlagTargetInfo, NTLMFlagVersion, NTLMFlag128, NTLMFlagKeyExch, NTLMFlag56} {
		assert.NotZero(t, n.Flags&f, "%v", f)
	}
	flags, ok := n.ClientInfo.Lookup(AvFlags)
	require.True(t, ok)
	assert.Equal(t, uint32(2), binary.LittleEndian.Uint32(flags))
	_, ok = n.ClientInfo.Lookup(AvTimestamp)
	assert.True(t, ok)
	assert.Same(t, &b[72], &n.MIC[0], "MIC aliases the input")

	js, err := json.Marshal(info)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(js, &m))
	nt := m["ntlm"].(map[string]any)
	assert.Equal(t, "ntlm-authenticate", m["kind"])
	assert.Equal(t, "User1", nt["user"])
	assert.Equal(t, "10.0.19041", nt["version"])
	assert.Equal(t, "UNICODE|REQUEST_TARGET|SIGN|NTLM|ALWAYS_SIGN|EXTENDED_SESSIONSECURITY|TARGET_INFO|VERSION|128|KEY_EXCH|56", nt["flags"])
	assert.Len(t, nt["mic"], 32)
	assert.Contains(t, string(js), `{"id":"MsvAvFlags","value":"0x2"}`)

	info, _, err = sniffPart(t, "windows/zeek-smb2_ntlm_anonymous_ws2022-04-i2a", "tok")
	require.NoError(t, err)
	assert.True(t, info.NTLM.Anonymous())
}

func TestNTLMNegotiateChallenge(t *testing.T) {
	info, _, err := sniffPart(t, "windows/pyspnego-sspi_ntlm-01-i2a", "tok")
	require.NoError(t, err)
	require.Equal(t, KindNTLMNegotiate, info.Kind)
	assert.Equal(t, NTLMVersion{10, 0, 17763, 15}, info.NTLM.Version)
	assert.Equal(t, "NTLM NEGOTIATE v10.0.17763 flags 0xe20882b7", info.String())

	info, _, err = sniffPart(t, "windows/pyspnego-gssapi_ntlm-01-i2a", "tok") // 32 bytes, no Version
	require.NoError(t, err)
	require.Equal(t, KindNTLMNegotiate, info.Kind)
	assert.True(t, info.NTLM.Version.IsZero())

	info, _, err = sniffPart(t, "windows/pyspnego-sspi_ntlm-02-a2i", "tok")
	require.NoError(t, err)
	require.Equal(t, KindNTLMChallenge, info.Kind)
	n := info.NTLM
	assert.Equal(t, "DOMAIN", n.TargetName.String())
	assert.Len(t, n.ServerChallenge, 8)
	v, ok := n.TargetInfo.Lookup(AvNbDomainName)
	require.True(t, ok)
	assert.Equal(t, "DOMAIN", decodeUTF16LE(v))
	ids := []AvID{}
	for _, p := range n.TargetInfo.All() {
		ids = append(ids, p.ID)
	}
	assert.Contains(t, ids, AvTimestamp)
	assert.Equal(t, "NTLM CHALLENGE target DOMAIN v10.0.14393 flags 0xe2898235", info.String())
}

// rawNTLMAuth is a Windows AUTHENTICATE message with a MIC.
func rawNTLMAuth(t testing.TB) []byte {
	return loadHex(t, "windows/pyspnego-sspi_ntlm-03-i2a")
}

func TestMalformedNTLM(t *testing.T) {
	auth := rawNTLMAuth(t)
	ntOff := int(binary.LittleEndian.Uint32(auth[24:]))
	put16 := func(b []byte, at int, v uint16) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint16(b[at:], v)
		return b
	}
	put32 := func(b []byte, at int, v uint32) []byte {
		b = bytes.Clone(b)
		binary.LittleEndian.PutUint32(b[at:], v)
		return b
	}
	tests := []struct {
		name, field string
		in          []byte
		offset      int
	}{
		{"no message type", "MessageType", []byte("NTLMSSP\x00\x03"), 9},
		{"unknown message type", "MessageType", put32(auth, 8, 9), 8},
		{"short AUTHENTICATE", "header", auth[:63], 63},
		{"short NEGOTIATE", "header", []byte("NTLMSSP\x00\x01\x00\x00\x00"), 12},
		{"user name past the end", "UserNameFields", put32(auth, 40, uint32(len(auth))), 36},
		{"offset+length overflows uint32", "DomainNameFields", put32(put16(auth, 28, 0xffff), 32, 0xffffffff), 28},
		{"huge NT response length", "NtChallengeResponseFields", put16(auth, 20, 0xfff0), 20},
		{"NTLMv2 response too short", "NtChallengeResponse", put16(auth, 20, 30), ntOff},
		{"bad RespType", "NtChallengeResponse.RespType", func() []byte { b := bytes.Clone(auth); b[ntOff+16] = 2; return b }(), ntOff + 16},
		{"AV pair past the end", "NtChallengeResponse.AvPairs", put16(auth, ntOff+16+28+2, 0xff00), ntOff + 44},
		{"MsvAvFlags wrong length", "NtChallengeResponse.AvPairs", corruptAvFlagsLen(t, auth, ntOff), -1},
		{"MIC overlapping the payload", "MIC", put32(auth, 16, 80), 72},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.in)
			checkResult(t, tt.in, info, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.field, pe.Field, "%v", err)
			if tt.offset >= 0 {
				assert.Equal(t, tt.offset, pe.Offset, "%v", err)
			}
		})
	}
}

// corruptAvFlagsLen changes the MsvAvFlags pair in the NTLMv2 response to
// claim 3 bytes.
func corruptAvFlagsLen(t testing.TB, auth []byte, ntOff int) []byte {
	b := bytes.Clone(auth)
	for at := ntOff + 44; at+4 <= len(b); {
		id, l := binary.LittleEndian.Uint16(b[at:]), int(binary.LittleEndian.Uint16(b[at+2:]))
		if id == uint16(AvFlags) {
			binary.LittleEndian.PutUint16(b[at+2:], 3)
			return b
		}
		at += 4 + l
	}
	t.Fatal("no MsvAvFlags")
	return nil
}

func TestNTLMTruncation(t *testing.T) {
	for _, name := range []string{"windows/pyspnego-sspi_ntlm-01-i2a", "windows/pyspnego-sspi_ntlm-02-a2i", "windows/pyspnego-sspi_ntlm-03-i2a"} {
		b := loadHex(t, name)
		for i := 8; i < len(b); i++ {
			in := bytes.Clone(b[:i])
			info, err := Sniff(in)
			checkResult(t, in, info, err)
		}
		for i := range b {
			in := bytes.Clone(b)
			in[i] ^= 0xff
			info, err := Sniff(in)
			checkResult(t, in, info, err)
		}
	}
}

func TestNegoExVectors(t *testing.T) {
	info, _, err := sniffPart(t, "windows/kerberosnet-negoex_pku2u_win10-01-i2a", "tok")
	require.NoError(t, err)
	require.Equal(t, KindNegoEx, info.Kind)
	msgs := info.NegoEx.Messages
	require.Len(t, msgs, 2)
	assert.Equal(t, NegoExInitiatorNego, msgs[0].Type)
	assert.Equal(t, NegoExInitiatorMetaData, msgs[1].Type)
	assert.Equal(t, uint32(0), msgs[0].SequenceNum)
	assert.Equal(t, uint32(1), msgs[1].SequenceNum)
	assert.Equal(t, msgs[0].ConversationID, msgs[1].ConversationID)
	assert.Equal(t, uint32(96), msgs[0].HeaderLen)
	require.Len(t, msgs[0].AuthSchemes, 1)
	assert.Equal(t, "0d53335c-f9ea-4d0d-b2ec-4ae3786ec308", msgs[0].AuthSchemes[0].String())
	assert.Equal(t, msgs[0].AuthSchemes, msgs[1].AuthSchemes)
	assert.Equal(t, 143, msgs[1].ExchangeLen)
	assert.Equal(t, gss.MechNegoEx, info.Kind.Mech())
	assert.Equal(t, "NegoEx INITIATOR_NEGO seq 0 1 schemes, INITIATOR_META_DATA seq 1 scheme 0d53335c-f9ea-4d0d-b2ec-4ae3786ec308", info.String())

	info, _, err = sniffPart(t, "windows/zeek-smb3_ntlm_negoex_win10_workgroup-01-a2i", "tok")
	require.NoError(t, err)
	require.Len(t, info.NegoEx.Messages, 2)
	assert.Equal(t, NegoExAcceptorNego, info.NegoEx.Messages[0].Type)
	assert.Equal(t, NegoExAcceptorMetaData, info.NegoEx.Messages[1].Type)
	js, err := json.Marshal(info)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"type":"ACCEPTOR_NEGO"`)
	assert.Contains(t, string(js), `"auth_schemes":["0d53335c-f9ea-4d0d-b2ec-4ae3786ec308"]`)
}

func TestMalformedNegoEx(t *testing.T) {
	_, tok, err := sniffPart(t, "windows/kerberosnet-negoex_pku2u_win10-01-i2a", "tok")
	require.NoError(t, err)
	put32 := func(at int, v uint32) []byte {
		b := bytes.Clone(tok)
		binary.LittleEndian.PutUint32(b[at:], v)
		return b
	}
	second := 112
	tests := []struct {
		name, field string
		in          []byte
		offset      int
	}{
		{"truncated header", "MESSAGE_HEADER", tok[:39], 0},
		{"message length past the end", "cbMessageLength", put32(20, 0xffffffff), 20},
		{"header length below 40", "cbHeaderLength", put32(16, 8), 16},
		{"NEGO header too short", "cbHeaderLength", put32(16, 64), 16},
		{"unknown type", "MessageType", put32(8, 8), 8},
		{"schemes past the end", "AuthSchemes", put32(80, 0xfffffff0), 80},
		{"exchange past the end", "Exchange", put32(second+60, 0x7fffffff), second + 56},
		{"second signature", "Signature", func() []byte { b := bytes.Clone(tok); b[second] = 'X'; return b }(), second},
		{"trailing bytes", "MESSAGE_HEADER", append(bytes.Clone(tok), 1, 2, 3), len(tok)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := Sniff(tt.in)
			checkResult(t, tt.in, info, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "NegoEx", pe.Token)
			assert.Equal(t, tt.field, pe.Field, "%v", err)
			assert.Equal(t, tt.offset, pe.Offset, "%v", err)
		})
	}
	for i := 8; i < len(tok); i++ {
		in := bytes.Clone(tok[:i])
		info, err := Sniff(in)
		checkResult(t, in, info, err)
		if i != second { // a whole first message is a valid token
			assert.Error(t, err, "truncated at %d", i)
		}
	}
}
