package mechtoken

import (
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

func TestPerMessageVectors(t *testing.T) {
	tests := []struct {
		name  string
		flags CFXFlags
		want  string
	}{
		{"mit/mit-b-ntlm1st-krb5chosen-aes256-04-a2i", FlagSentByAcceptor | FlagAcceptorSubkey, "krb5 MIC (RFC 4121) flags 0x05 [sent-by-acceptor|acceptor-subkey] seq 410570636 checksum 12 bytes (aes-sha1)"},
		{"mit/mit-b-ntlm1st-krb5chosen-aes256-05-i2a", FlagAcceptorSubkey, "krb5 MIC (RFC 4121) flags 0x04 [acceptor-subkey] seq 200545466 checksum 12 bytes (aes-sha1)"},
		{"samba/C1-downgrade-mic-exchange/04-server", FlagSentByAcceptor | FlagAcceptorSubkey, ""},
		{"samba/C1-downgrade-mic-exchange/05-client", FlagAcceptorSubkey, ""},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win7_to_samba-03-i2a", FlagAcceptorSubkey, "krb5 MIC (RFC 4121) flags 0x04 [acceptor-subkey] seq 1891684042 checksum 12 bytes (aes-sha1)"},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win7_to_samba-04-a2i", FlagSentByAcceptor | FlagAcceptorSubkey, ""},
		{"windows/scapy-dcerpc_krb_aes256_dcestyle_win_to_dc-03-i2a", FlagAcceptorSubkey, ""},
		{"windows/scapy-dcerpc_krb_aes256_dcestyle_win_to_dc-04-a2i", FlagSentByAcceptor | FlagAcceptorSubkey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, b, err := sniffPart(t, tt.name, "mic")
			require.NoError(t, err)
			require.Equal(t, KindKRB5MIC, info.Kind)
			assert.Len(t, b, 28)
			assert.Equal(t, tt.flags, info.CFX.Flags)
			assert.Equal(t, 12, info.CFX.ChecksumLen)
			assert.Equal(t, FamilyAESSHA1, info.Family())
			assert.Equal(t, []gss.Enctype{17, 18}, info.Family().Enctypes())
			isNew, known := info.NewEnctype()
			assert.True(t, isNew)
			assert.True(t, known)
			assert.True(t, info.Kind.PerMessage())
			if tt.want != "" {
				assert.Equal(t, tt.want, info.String())
			}
		})
	}
}

func TestLegacyRC4MICVectors(t *testing.T) {
	for _, name := range []string{
		"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-04-a2i",
		"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-05-i2a",
	} {
		info, b, err := sniffPart(t, name, "mic")
		require.NoError(t, err)
		require.Equal(t, KindKRB5LegacyMIC, info.Kind, name)
		assert.Len(t, b, 37)
		assert.Equal(t, gss.MechKRB5, info.Mech)
		assert.Equal(t, SGNAlgHMACMD5, info.Legacy.SGNAlg)
		assert.Equal(t, 8, info.Legacy.ChecksumLen)
		assert.Equal(t, FamilyRC4, info.Family())
		isNew, known := info.NewEnctype()
		assert.False(t, isNew)
		assert.True(t, known)
		assert.Equal(t, "krb5 MIC (RFC 1964) SGN_ALG 11 00 (rc4)", info.String())
	}
}

func TestNTLMSignatureVectors(t *testing.T) {
	for _, name := range []string{
		"mit/mit-c-ntlm1st-ntlmchosen-03-i2a",
		"mit/mit-c-ntlm1st-ntlmchosen-04-a2i",
		"windows/pyspnego-sspi_ntlm_in_smb_spnego-04-i2a",
		"windows/scapy-smb1_ntlm_anonymous_win10_to_win81-05-a2i",
	} {
		info, _, err := sniffPart(t, name, "mic")
		require.NoError(t, err)
		require.Equal(t, KindNTLMSignature, info.Kind, name)
		assert.Equal(t, uint32(1), info.Signature.Version)
		assert.Equal(t, uint32(0), info.Signature.SeqNum)
		assert.Len(t, info.Signature.Checksum, 8)
		assert.Equal(t, gss.MechNTLMSSP, info.Kind.Mech())
		_, known := info.NewEnctype()
		assert.False(t, known)
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestCFXSynthetic(t *testing.T) {
	tests := []struct {
		hex    string
		kind   Kind
		family EnctypeFamily
		check  func(t *testing.T, c CFX)
	}{
		// MIC with 16- and 24-byte checksums (RFC 8009).
		{"0404 00 ffffffffff 0000000000000007" + "00112233445566778899aabbccddeeff", KindKRB5MIC, FamilyAES128SHA256,
			func(t *testing.T, c CFX) { assert.Equal(t, uint64(7), c.SeqNum) }},
		{"0404 01 ffffffffff 0000000000000000" + "00112233445566778899aabbccddeeff0011223344556677", KindKRB5MIC, FamilyAES256SHA384, nil},
		// Unsealed wrap: EC is the checksum length.
		{"0504 04 ff 000c 0000 0102030405060708" + "6869" + "00112233445566778899aabb", KindKRB5Wrap, FamilyAESSHA1,
			func(t *testing.T, c CFX) {
				assert.Equal(t, uint16(12), c.EC)
				assert.Equal(t, uint64(0x0102030405060708), c.SeqNum)
				assert.Equal(t, 14, c.PayloadLen)
			}},
		// Sealed wrap (Windows: EC 16, RRC 28): family unknown, still RFC 4121.
		{"0504 07 ff 0010 001c 0000000000000001" + "00112233445566778899aabbccddeeff", KindKRB5Wrap, FamilyUnknown,
			func(t *testing.T, c CFX) {
				assert.Equal(t, FlagSentByAcceptor|FlagSealed|FlagAcceptorSubkey, c.Flags)
				assert.Equal(t, uint16(28), c.RRC)
				assert.Equal(t, 0, c.ChecksumLen)
			}},
	}
	for _, tt := range tests {
		info, err := Sniff(mustHex(t, stripSpaces(tt.hex)))
		require.NoError(t, err, tt.hex)
		assert.Equal(t, tt.kind, info.Kind)
		assert.Equal(t, tt.family, info.CFX.Family)
		isNew, known := info.NewEnctype()
		assert.True(t, isNew && known)
		if tt.check != nil {
			tt.check(t, info.CFX)
		}
	}
}

func TestLegacySynthetic(t *testing.T) {
	k := gss.MechKRB5
	tests := []struct {
		inner  string
		kind   Kind
		family EnctypeFamily
	}{
		{"0101 0000 ffffffff 1111111111111111 2222222222222222", KindKRB5LegacyMIC, FamilyDES},
		{"0101 0200 ffffffff 1111111111111111 2222222222222222", KindKRB5LegacyMIC, FamilyDES},
		{"0101 0400 ffffffff 1111111111111111 2222222222222222222222222222222222222222", KindKRB5LegacyMIC, FamilyDES3},
		{"0201 1100 1000 ffff 1111111111111111 2222222222222222 3333333333333333 4444", KindKRB5LegacyWrap, FamilyRC4},
		{"0201 1100 ffff ffff 1111111111111111 2222222222222222 3333333333333333", KindKRB5LegacyWrap, FamilyRC4},
		{"0201 0400 0200 ffff 1111111111111111 2222222222222222222222222222222222222222 3333333333333333", KindKRB5LegacyWrap, FamilyDES3},
	}
	for _, tt := range tests {
		info, err := Sniff(frameB(k, mustHex(t, stripSpaces(tt.inner))))
		require.NoError(t, err, tt.inner)
		assert.Equal(t, tt.kind, info.Kind, tt.inner)
		assert.Equal(t, tt.family, info.Family(), tt.inner)
		isNew, known := info.NewEnctype()
		assert.True(t, !isNew && known)
	}
	info, err := Sniff(frameB(k, mustHex(t, stripSpaces(tests[3].inner))))
	require.NoError(t, err)
	assert.Equal(t, "krb5 Wrap (RFC 1964) SGN_ALG 11 00 SEAL_ALG 10 00 (rc4)", info.String())
	js, err := json.Marshal(info)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"krb5-legacy-wrap","mech":"1.2.840.113554.1.2.2","len":`+itoa(info.Len)+`,
		"legacy":{"tok_id":513,"sgn_alg":17,"seal_alg":16,"checksum_len":8,"payload_len":10,"family":"rc4"}}`, string(js))
}

func stripSpaces(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}
