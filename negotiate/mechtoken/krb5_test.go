package mechtoken

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/gssnego/gssnego/internal/der"

	"github.com/gssnego/gssnego/gss"
)

// sniffPart sniffs the inner token ("tok") or the mechListMIC ("mic") of a
// testdata vector.
func sniffPart(t testing.TB, name, part string) (Info, []byte, error) {
	t.Helper()
	tok, mic, _ := spnegoParts(loadHex(t, name))
	b := tok
	if part == "mic" {
		b = mic
	}
	require.NotNil(t, b, "%s has no %s", name, part)
	info, err := Sniff(b)
	return info, b, err
}

// TestKerberosVectors checks the facts the vectors' READMEs state.
func TestKerberosVectors(t *testing.T) {
	tests := []struct {
		name, part string
		want       string
	}{
		{"mit/mit-a-default-aes256-01-i2a", "tok", "krb5 AP-REQ mutual ticket HTTP/localhost@EXAMPLE.TEST etype 18 kvno 1, authenticator etype 18"},
		{"mit/mit-a-default-aes256-02-a2i", "tok", "krb5 AP-REP etype 18"},
		{"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned-03-i2a", "tok", "krb5 AP-REQ mutual ticket HTTP/rc4.example.test@EXAMPLE.TEST etype 23 kvno 1, authenticator etype 23"},
		{"samba/C1-downgrade-mic-exchange/03-client", "tok", "krb5 AP-REQ mutual ticket HTTP/svc.samdom.test@SAMDOM.TEST etype 18 kvno 2, authenticator etype 18"},
		{"windows/pyspnego-gssapi_kerberos-01-i2a", "tok", "krb5 AP-REQ mutual ticket host/dc01@DOMAIN.LOCAL etype 18 kvno 6, authenticator etype 18"},
		{"windows/kerberosnet-http_krb_aes128_key_known-01-i2a", "tok", "krb5 AP-REQ mutual ticket HTTP/server.test.domain.com@DOMAIN.COM etype 17 kvno 5, authenticator etype 17"},
		{"windows/zeek-ldap_krb_aes256_win_to_win-01-i2a", "tok", "krb5 AP-REQ mutual ticket ldap/DC01-Zion.matrix.local/matrix.local@MATRIX.LOCAL etype 18 kvno 32, authenticator etype 18"},
		{"windows/zeek-ldap_krb_rawapreq_nomutual_ws2022-01-i2a", "tok", "krb5 AP-REQ (raw) ticket ldap/WIN-VGO56I95EAK@ADHACKING.LOCAL etype 18 kvno 3, authenticator etype 23"},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win-01-i2a", "tok", "krb5 AP-REQ (raw) mutual ticket RPCSS/BLACKCLOVER-DC.SRT-AD.local@SRT-AD.LOCAL etype 18 kvno 3, authenticator etype 18"},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win-02-a2i", "tok", "krb5 AP-REP (raw) etype 18"},
		{"windows/zeek-smb1_krb_rc4_xp_to_win2000-02-i2a", "tok", "krb5 AP-REQ mutual ticket cifs/EDISK03A.housing.hksarg@HOUSING.HKSARG etype 23, authenticator etype 23"},
		// Windows 2000 copies the AP-REP into the mechListMIC field.
		{"windows/zeek-smb1_krb_rc4_xp_to_win2000-03-a2i", "mic", "krb5 AP-REP etype 23"},
		{"windows/kerberosnet-krb5_u2u_tgtreq_win-01-i2a", "tok", "krb5 TGT-REQ for administrator@corp.identityintervention.com"},
		{"windows/zeek-dcerpc_spnego_u2u_then_ntlm_requestmic-01-i2a", "tok", "krb5 TGT-REQ for Administrator@BLACKCLOVER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, _, err := sniffPart(t, tt.name, tt.part)
			require.NoError(t, err)
			assert.Equal(t, tt.want, info.String())
			assert.Equal(t, gss.MechKRB5, info.Kind.Mech())
		})
	}
}

func TestAPReqFields(t *testing.T) {
	info, b, err := sniffPart(t, "mit/mit-a-default-aes256-01-i2a", "tok")
	require.NoError(t, err)
	require.Equal(t, KindKRB5APReq, info.Kind)
	assert.Equal(t, gss.MechKRB5, info.Mech)
	assert.Equal(t, len(b), info.Len)
	k := info.Kerberos
	assert.Equal(t, TokIDAPReq, k.TokID)
	assert.Equal(t, APOptionMutualRequired, k.APOptions)
	assert.True(t, k.APOptions.MutualRequired())
	assert.False(t, k.APOptions.UseSessionKey())
	assert.Equal(t, "EXAMPLE.TEST", k.Realm.String())
	assert.Equal(t, int32(3), k.SName.NameType) // NT-SRV-HST
	assert.Equal(t, []string{"HTTP", "localhost"}, k.SName.Components())
	assert.Equal(t, gss.EnctypeAES256SHA1, k.Ticket.Etype)
	assert.True(t, k.Ticket.HasKVNO)
	assert.Equal(t, gss.EnctypeAES256SHA1, k.Authenticator.Etype)
	assert.False(t, k.Authenticator.HasKVNO)
	assert.Equal(t, gss.EnctypeAES256SHA1, info.SessionEnctype())
	_, known := info.NewEnctype()
	assert.False(t, known, "an AP-REQ does not settle the per-message format")

	// Realm aliases the input.
	assert.Same(t, &b[cap(b)-cap(k.Realm)], &k.Realm[0])

	js, err := json.Marshal(info)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"krb5-ap-req","mech":"1.2.840.113554.1.2.2","len":`+itoa(len(b))+`,
		"kerberos":{"tok_id":256,"msg_type":14,"ap_options":"mutual-required","realm":"EXAMPLE.TEST",
		"sname":{"name_type":3,"components":["HTTP","localhost"]},
		"ticket":{"etype":18,"kvno":1,"cipher_len":358},
		"authenticator":{"etype":18,"cipher_len":`+itoa(k.Authenticator.CipherLen)+`}}}`, string(js))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestAPRepAndU2U(t *testing.T) {
	info, _, err := sniffPart(t, "windows/pyspnego-gssapi_kerberos-02-a2i", "tok")
	require.NoError(t, err)
	require.Equal(t, KindKRB5APRep, info.Kind)
	assert.Equal(t, TokIDAPRep, info.Kerberos.TokID)
	assert.Equal(t, gss.EnctypeAES256SHA1, info.Kerberos.EncPart.Etype)
	assert.Equal(t, gss.EnctypeAES256SHA1, info.SessionEnctype())

	info, _, err = sniffPart(t, "windows/kerberosnet-krb5_u2u_tgtreq_win-01-i2a", "tok")
	require.NoError(t, err)
	require.Equal(t, KindKRB5TGTReq, info.Kind)
	assert.Equal(t, gss.MechKRB5U2U, info.Mech)
	assert.Equal(t, TokIDTGTReq, info.Kerberos.TokID)
	assert.Equal(t, int32(MsgTypeTGTReq), info.Kerberos.MsgType)
	assert.Equal(t, []string{"administrator"}, info.Kerberos.SName.Components())
	assert.Equal(t, "corp.identityintervention.com", info.Kerberos.Realm.String())
}

// Builders for synthetic tokens (no vector holds a KRB-ERROR or TGT-REPLY).

func explicitB(b *cryptobyte.Builder, n uint8, f cryptobyte.BuilderContinuation) {
	b.AddASN1(der.Ctx(n), f)
}

func intB(n uint8, v int64) cryptobyte.BuilderContinuation {
	return func(b *cryptobyte.Builder) { explicitB(b, n, func(b *cryptobyte.Builder) { b.AddASN1Int64(v) }) }
}

func gstrB(n uint8, s string) cryptobyte.BuilderContinuation {
	return func(b *cryptobyte.Builder) {
		explicitB(b, n, func(b *cryptobyte.Builder) {
			b.AddASN1(der.TagGeneralString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
		})
	}
}

func nameB(n uint8, typ int64, comps ...string) cryptobyte.BuilderContinuation {
	return func(b *cryptobyte.Builder) {
		explicitB(b, n, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				intB(0, typ)(b)
				explicitB(b, 1, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						for _, c := range comps {
							b.AddASN1(der.TagGeneralString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(c)) })
						}
					})
				})
			})
		})
	}
}

func frameB(mech gss.OID, inner []byte) []byte { return gss.AppendFraming(nil, mech, inner) }

// krbError builds a KRB-ERROR (RFC 4120 §5.9.1) with an e-text and e-data.
func krbError(t testing.TB) []byte {
	var b cryptobyte.Builder
	b.AddASN1(tagKRBError, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			intB(0, 5)(b)
			intB(1, 30)(b)
			explicitB(b, 4, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte("20261124153000Z")) })
			})
			intB(5, 123456)(b)
			intB(6, 41)(b) // KRB_AP_ERR_MODIFIED
			gstrB(9, "EXAMPLE.TEST")(b)
			nameB(10, 3, "HTTP", "localhost")(b)
			gstrB(11, "integrity check failed")(b)
			explicitB(b, 12, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString([]byte{0x30, 0x00})
			})
		})
	})
	out, err := b.Bytes()
	require.NoError(t, err)
	return out
}

func TestKRBError(t *testing.T) {
	raw := krbError(t)
	framed := frameB(gss.MechKRB5, append([]byte{0x03, 0x00}, raw...))
	for _, b := range [][]byte{raw, framed} {
		info, err := Sniff(b)
		require.NoError(t, err)
		require.Equal(t, KindKRB5Error, info.Kind)
		k := info.Kerberos
		assert.Equal(t, int32(41), k.ErrorCode)
		assert.Equal(t, "integrity check failed", k.EText.String())
		assert.Equal(t, "EXAMPLE.TEST", k.Realm.String())
		assert.Equal(t, "HTTP/localhost", k.SName.String())
		assert.Equal(t, time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC), k.STime)
		assert.Equal(t, 2, k.EDataLen)
		assert.Contains(t, info.String(), `krb5 KRB-ERROR`)
		assert.Contains(t, info.String(), `error 41 "integrity check failed" from HTTP/localhost@EXAMPLE.TEST`)
	}
	info, _ := Sniff(framed)
	assert.Equal(t, TokIDError, info.Kerberos.TokID)
	js, err := json.Marshal(info)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"stime":"2026-11-24T15:30:00Z"`)
	assert.Contains(t, string(js), `"error_code":41`)
}

func TestTGTReply(t *testing.T) {
	// Take the Ticket out of a real AP-REQ and wrap it in a KERB-TGT-REPLY.
	_, apreq, err := sniffPart(t, "mit/mit-a-default-aes256-01-i2a", "tok")
	require.NoError(t, err)
	idx := -1 // the first [APPLICATION 1] with a two-byte length is the Ticket
	for i := 0; i+1 < len(apreq); i++ {
		if apreq[i] == 0x61 && apreq[i+1] == 0x82 {
			idx = i
			break
		}
	}
	require.Positive(t, idx)
	tkt := cryptobyte.String(apreq[idx:])
	var whole cryptobyte.String
	var tag asn1.Tag
	require.True(t, tkt.ReadAnyASN1Element(&whole, &tag))
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		intB(0, 5)(b)
		intB(1, 17)(b)
		explicitB(b, 2, func(b *cryptobyte.Builder) { b.AddBytes(whole) })
	})
	tok := frameB(gss.MechKRB5U2U, append([]byte{0x04, 0x01}, b.BytesOrPanic()...))
	info, err := Sniff(tok)
	require.NoError(t, err)
	assert.Equal(t, KindKRB5TGTRep, info.Kind)
	assert.Equal(t, "krb5 TGT-REP ticket HTTP/localhost@EXAMPLE.TEST etype 18 kvno 1", info.String())
}
