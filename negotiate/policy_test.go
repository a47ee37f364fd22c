package negotiate

import (
	"errors"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// vectorToken is one file of a recorded exchange.
type vectorToken struct {
	file string
	nn   string
	dir  Direction
}

// vectorTranscripts groups testdata/vectors into exchanges: windows/ and mit/
// by file-name prefix and NN, samba/ by folder.
func vectorTranscripts(t testing.TB) map[string][]vectorToken {
	out := map[string][]vectorToken{}
	for _, name := range allVectors(t) {
		dirOf := func(s string) Direction {
			if strings.Contains(s, "i2a") || strings.Contains(s, "client") {
				return InitiatorToAcceptor
			}
			return AcceptorToInitiator
		}
		base := strings.TrimSuffix(path.Base(name), ".hex")
		folder := path.Dir(name)
		var key, nn string
		switch {
		case strings.HasPrefix(folder, "samba/"):
			key, nn = folder, base[:2]
		case folder == "samba":
			key, nn = "samba/"+base, "01"
		default:
			parts := strings.Split(base, "-")
			nn = parts[len(parts)-2]
			key = folder + "/" + strings.Join(parts[:len(parts)-2], "-")
			if key == "mit/curl" || key == "mit/httpd" {
				key = "mit/curl-httpd"
			}
		}
		out[key] = append(out[key], vectorToken{file: name, nn: nn, dir: dirOf(base)})
	}
	for _, v := range out {
		sort.Slice(v, func(i, j int) bool { return v[i].nn < v[j].nn })
	}
	return out
}

func replay(t testing.TB, p Policy, toks []vectorToken) *Transcript {
	tr := NewTranscript(p)
	for _, vt := range toks {
		tr.Add(vt.dir, loadVector(t, vt.file))
	}
	return tr
}

// expectation is the verdict the vector READMEs state (Windows profile).
type expectation struct {
	result   string
	initRule string // rule that makes the initiator's MIC due, "" = not due
	accRule  string
}

var (
	noMIC     = expectation{result: ResultOK}
	downgrade = expectation{ResultOK, RuleSelectedNotFirst, RuleSelectedNotFirst}
	dceStyle  = expectation{ResultOK, RuleExtraLegNewEnctype, RuleExtraLegNewEnctype}
	ntlmMIC   = expectation{ResultOK, RuleNTLMAuthenticateMIC, RuleNTLMAuthenticateMIC}
	bare      = expectation{result: ResultNotSPNEGO}
	partial   = expectation{result: ResultIncomplete}
)

var expectedVerdicts = map[string]expectation{
	"mit/mit-a-default-aes256":                                noMIC,
	"mit/curl-httpd":                                          noMIC,
	"mit/mit-b-ntlm1st-krb5chosen-aes256":                     downgrade,
	"mit/mit-b-ntlm1st-krb5chosen-rc4-pinned":                 downgrade,
	"mit/mit-c-ntlm1st-ntlmchosen":                            ntlmMIC,
	"samba/C1-downgrade-mic-exchange":                         downgrade,
	"samba/D-windows-style-mskrb5-first":                      noMIC,
	"samba/smb2-negprot-negtokeninit2-a2i":                    partial,
	"windows/pyspnego-sspi_kerberos_in_smb_spnego":            noMIC,
	"windows/zeek-smb2_krb_aes256_win_to_win":                 noMIC,
	"windows/zeek-ldap_krb_aes256_win_to_win":                 noMIC,
	"windows/zeek-dns_gsstsig_krb_aes256_win7":                noMIC,
	"windows/zeek-ldap_krb_rc4_w2k3":                          noMIC,
	"windows/zeek-smb1_krb_rc4_xp_to_win2000":                 noMIC,
	"windows/scapy-dcerpc_krb_aes256_dcestyle_win_to_dc":      dceStyle,
	"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win":      dceStyle,
	"windows/pyspnego-sspi_ntlm_in_smb_spnego":                ntlmMIC,
	"windows/scapy-smb2_ntlm_win10_to_ws2019_pw_known":        ntlmMIC,
	"windows/zeek-smb2_ntlm_ws2019":                           ntlmMIC,
	"windows/zeek-smb2_ntlm_ws2008":                           ntlmMIC,
	"windows/zeek-smb3_ntlm_negoex_win10_workgroup":           ntlmMIC,
	"windows/scapy-smb1_ntlm_anonymous_win10_to_win81":        {ResultOK, RulePeerSentMIC, RulePeerSentMIC},
	"windows/zeek-dcerpc_spnego_u2u_then_ntlm_requestmic":     {ResultIncomplete, RuleSelectedNotFirst, RuleSelectedNotFirst},
	"windows/responder3-smb_ntlm_xp_to_ws2008":                noMIC,
	"windows/pyspnego-sspi_ntlm":                              bare,
	"windows/pyspnego-sspi_ntlm_invalid_spn":                  bare,
	"windows/scapy-ldap_gss_spnego_raw_ntlm_win10":            bare,
	"windows/pyspnego-gssapi_negotiate_ntlm_with_ntlm":        ntlmMIC,
	"windows/pyspnego-gssapi_ntlm":                            bare,
	"windows/pyspnego-heimdal_ntlm":                           bare,
	"windows/pyspnego-heimdal_macos_ntlm":                     bare,
	"windows/zeek-smb2_ntlm_anonymous_ws2022":                 noMIC,
	"windows/zeek-ldap_krb_rawapreq_nomutual_ws2022":          noMIC,
	"windows/pyspnego-gssapi_kerberos":                        bare,
	"windows/pyspnego-gssapi_negotiate_kerberos_with_ntlm":    noMIC,
	"windows/pyspnego-gssapi_negotiate_kerberos_without_ntlm": noMIC,
	"windows/kerberosnet-http_krb_rc4_win":                    partial,
	"windows/kerberosnet-krb_rc4_with_delegation_win":         partial,
	"windows/kerberosnet-negoex_pku2u_win10":                  partial,
	"windows/kerberosnet-spnego_ntlm_first_win10":             partial,
	"windows/kerberosnet-krb5_u2u_tgtreq_win":                 bare,
	"windows/zeek-dcerpc_krb_aes256_dcestyle_win7_to_samba":   dceStyle,
	"windows/responder3-smb_krb_aes256_win_to_samba4":         noMIC,
	"windows/kerberosnet-http_krb_aes256_key_known":           partial,
	"windows/kerberosnet-http_krb_aes128_key_known":           partial,
	"windows/kerberosnet-http_krb_rc4_key_known":              partial,
	"windows/pyspnego-gssapi_negotiate_ntlm_fallback":         downgrade,
}

func TestVectorVerdicts(t *testing.T) {
	trs := vectorTranscripts(t)
	require.Len(t, trs, len(expectedVerdicts), "every exchange has an expected verdict")
	for key, toks := range trs {
		want, ok := expectedVerdicts[key]
		require.True(t, ok, "no expectation for %s", key)
		t.Run(key, func(t *testing.T) {
			tr := replay(t, Policy{}, toks)
			v := tr.Verdict
			assert.Equal(t, want.result, v.Result, v.Reason)
			if want.result == ResultNotSPNEGO {
				return
			}
			assert.Equal(t, want.initRule != "", v.Initiator.Due, "initiator due")
			assert.Equal(t, want.initRule, v.Initiator.Rule)
			assert.Equal(t, want.accRule != "", v.Acceptor.Due, "acceptor due")
			assert.Equal(t, want.accRule, v.Acceptor.Rule)
			if want.result == ResultOK {
				assert.True(t, v.Complete)
				assert.NoError(t, v.Err())
				// Every due MIC is present; no MIC is present that nobody owed
				// except optional ones.
				assert.Equal(t, v.Initiator.Due, v.Initiator.Present, "initiator MIC present")
				assert.Equal(t, v.Acceptor.Due, v.Acceptor.Present, "acceptor MIC present")
			}
			for _, r := range tr.Reports {
				assert.Nil(t, r.Error, "token %d", r.Index)
			}
		})
	}
}

// TestVerdictFacts checks the verdict fields beyond the result on a few exchanges.
func TestVerdictFacts(t *testing.T) {
	trs := vectorTranscripts(t)

	v := replay(t, Policy{}, trs["mit/mit-b-ntlm1st-krb5chosen-aes256"]).Verdict
	assert.Equal(t, gss.MechNTLMSSP, v.FirstMech)
	assert.Equal(t, gss.MechKRB5, v.SelectedMech)
	assert.True(t, v.Downgrade)
	assert.True(t, v.RequestMIC)
	assert.Equal(t, gss.Enctype(18), v.Etype.Ticket)
	assert.Equal(t, "yes", v.Etype.NewEnctype)
	assert.Equal(t, "rfc4121", v.Etype.MICFormat)
	assert.Equal(t, 3, v.Acceptor.Token)
	assert.Equal(t, 4, v.Initiator.Token)
	assert.Equal(t, "rfc4121", v.Acceptor.Format)

	v = replay(t, Policy{}, trs["mit/mit-b-ntlm1st-krb5chosen-rc4-pinned"]).Verdict
	assert.Equal(t, gss.Enctype(23), v.Etype.Ticket)
	assert.Equal(t, "no", v.Etype.NewEnctype)
	assert.Equal(t, "rfc1964", v.Acceptor.Format)

	v = replay(t, Policy{}, trs["samba/D-windows-style-mskrb5-first"]).Verdict
	assert.False(t, v.Downgrade, "MS-KRB5 and KRB5 are one mechanism")
	assert.Equal(t, gss.MechMSKRB5, v.SelectedMech)
	assert.True(t, v.OptimisticAccepted)
	assert.False(t, v.ExtraLeg)

	v = replay(t, Policy{}, trs["windows/zeek-smb1_krb_rc4_xp_to_win2000"]).Verdict
	assert.Contains(t, v.Quirks, "mic-copy-of-response-token")
	assert.Contains(t, v.Quirks, "supportedmech-omitted")
	assert.False(t, v.Acceptor.Present)
	assert.Equal(t, "no", v.Etype.NewEnctype)

	v = replay(t, Policy{}, trs["windows/scapy-dcerpc_krb_aes256_dcestyle_win_to_dc"]).Verdict
	assert.True(t, v.ExtraLeg)
	assert.Equal(t, "mic-token", v.Etype.Source)
}

func TestProfiles(t *testing.T) {
	trs := vectorTranscripts(t)
	cases := []struct {
		key     string
		profile Profile
		result  string
		rule    string
	}{
		{"windows/zeek-smb2_krb_aes256_win_to_win", ProfileStrict, ResultMICMissing, RuleStrictProfile},
		{"windows/zeek-smb2_krb_aes256_win_to_win", ProfileRFC4178, ResultOK, ""},
		{"windows/zeek-smb1_krb_rc4_xp_to_win2000", ProfileStrict, ResultMICCopy, ""},
		{"windows/zeek-smb1_krb_rc4_xp_to_win2000", ProfileRFC4178, ResultOK, ""},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win", ProfileRFC4178, ResultOK, RulePeerSentMIC},
		{"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win", ProfileStrict, ResultOK, RuleStrictProfile},
		{"mit/mit-b-ntlm1st-krb5chosen-aes256", ProfileStrict, ResultOK, RuleSelectedNotFirst},
		{"mit/mit-b-ntlm1st-krb5chosen-aes256", ProfileRFC4178, ResultOK, RuleSelectedNotFirst},
	}
	for _, c := range cases {
		t.Run(c.key+"/"+c.profile.String(), func(t *testing.T) {
			v := replay(t, Policy{Profile: c.profile}, trs[c.key]).Verdict
			assert.Equal(t, c.result, v.Result, v.Reason)
			if c.rule != "" {
				assert.Equal(t, c.rule, v.Acceptor.Rule)
			}
		})
	}
}

// tokens is a synthetic transcript builder over real vectors.
func tokensOf(t *testing.T, key string, drop ...int) []vectorToken {
	toks := vectorTranscripts(t)[key]
	require.NotEmpty(t, toks, key)
	var out []vectorToken
next:
	for i, vt := range toks {
		for _, d := range drop {
			if d == i {
				continue next
			}
		}
		out = append(out, vt)
	}
	return out
}

func TestPolicyViolations(t *testing.T) {
	// Downgrade with the acceptor's MIC stripped (a MITM removing it).
	tr := NewTranscript(Policy{})
	toks := tokensOf(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	for i, vt := range toks {
		b := loadVector(t, vt.file)
		if i == 3 {
			tok, err := Parse(b)
			require.NoError(t, err)
			tok.MechListMIC = nil
			b, err = tok.Marshal()
			require.NoError(t, err)
		}
		tr.Add(vt.dir, b)
	}
	v := tr.Verdict
	assert.Equal(t, ResultDowngradeWithoutMIC, v.Result, v.Reason)
	assert.ErrorIs(t, v.Err(), ErrDowngrade)
	assert.Contains(t, v.Err().Error(), RuleSelectedNotFirst)

	// DCE style with the initiator's MIC stripped: the acceptor must not complete.
	tr = NewTranscript(Policy{})
	for i, vt := range tokensOf(t, "windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win") {
		b := loadVector(t, vt.file)
		if i == 2 {
			tok, err := Parse(b)
			require.NoError(t, err)
			tok.MechListMIC = nil
			b, _ = tok.Marshal()
		}
		tr.Add(vt.dir, b)
	}
	assert.Equal(t, ResultMICMissing, tr.Verdict.Result, tr.Verdict.Reason)
	assert.ErrorIs(t, tr.Verdict.Err(), ErrMICMissing)
	assert.Contains(t, tr.Verdict.Reason, RuleExtraLegNewEnctype)

	// Second MIC from the same side.
	tr = replay(t, Policy{}, tokensOf(t, "mit/mit-b-ntlm1st-krb5chosen-aes256"))
	tr.Add(InitiatorToAcceptor, loadVector(t, "mit/mit-b-ntlm1st-krb5chosen-aes256-05-i2a.hex"))
	assert.Equal(t, ResultMICDuplicate, tr.Verdict.Result)
	assert.ErrorIs(t, tr.Verdict.Err(), ErrMICUnexpected)

	// MIC before the mechanism completed: acceptor MIC in the request-mic reply.
	tr = NewTranscript(Policy{})
	for i, vt := range tokensOf(t, "mit/mit-b-ntlm1st-krb5chosen-aes256") {
		b := loadVector(t, vt.file)
		if i == 1 {
			tok, _ := Parse(b)
			tok.MechListMIC = []byte{0x04, 0x04, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
			b, _ = tok.Marshal()
		}
		tr.Add(vt.dir, b)
	}
	assert.Equal(t, ResultMICTooEarly, tr.Verdict.Result, tr.Verdict.Reason)

	// Unsolicited acceptor MIC in a first-leg accept-completed reply.
	tr = NewTranscript(Policy{})
	for i, vt := range tokensOf(t, "windows/zeek-smb2_krb_aes256_win_to_win") {
		b := loadVector(t, vt.file)
		if i == 2 {
			tok, _ := Parse(b)
			tok.MechListMIC = []byte{0x04, 0x04, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
			b, _ = tok.Marshal()
		}
		tr.Add(vt.dir, b)
	}
	assert.Equal(t, ResultMICUnexpected, tr.Verdict.Result, tr.Verdict.Reason)
	// ... which RFC 4178 allows (optional MIC) but then owes the initiator's answer.
	tr.Policy.Profile = ProfileRFC4178
	assert.Equal(t, ResultIncomplete, tr.Evaluate().Result)

	// Invalid MIC reported by the engine.
	tr = replay(t, Policy{}, tokensOf(t, "mit/mit-b-ntlm1st-krb5chosen-aes256"))
	tr.SetMICCheck(3, MICValid)
	assert.Equal(t, ResultOK, tr.Verdict.Result)
	assert.Equal(t, MICValid, tr.Verdict.Acceptor.Check)
	tr.SetMICCheck(4, MICInvalid)
	assert.Equal(t, ResultMICInvalid, tr.Verdict.Result)
	assert.ErrorIs(t, tr.Verdict.Err(), ErrMICInvalid)

	// Malformed token in the middle.
	tr = replay(t, Policy{}, tokensOf(t, "mit/mit-a-default-aes256"))
	tr.Add(InitiatorToAcceptor, []byte{0xa1, 0x03, 0x30, 0x01})
	assert.Equal(t, ResultMalformed, tr.Verdict.Result)
	assert.True(t, errors.Is(tr.Verdict.Err(), mechtoken.ErrMalformed))

	// Reject.
	tr = replay(t, Policy{}, tokensOf(t, "mit/mit-a-default-aes256", 1))
	tr.Add(AcceptorToInitiator, []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02})
	assert.Equal(t, ResultRejected, tr.Verdict.Result)
	assert.ErrorIs(t, tr.Verdict.Err(), ErrNoCommonMech)

	// supportedMech that was never offered.
	tr = replay(t, Policy{}, tokensOf(t, "mit/mit-a-default-aes256", 1))
	b, _ := (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, SupportedMech: gss.MechNTLMSSP}).Marshal()
	tr.Add(AcceptorToInitiator, b)
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
}

func TestPolicyProtocolErrors(t *testing.T) {
	mitB := tokensOf(t, "mit/mit-b-ntlm1st-krb5chosen-aes256")
	ntlmNegotiate := func() []byte { // the NEGOTIATE from mit-b's NegTokenInit
		tok, err := Parse(loadVector(t, mitB[0].file))
		require.NoError(t, err)
		return tok.MechToken
	}

	// After krb5 was selected, the initiator sends an NTLM token.
	tr := replay(t, Policy{}, mitB[:2])
	b, _ := (&Token{Kind: KindResp, NegState: NegStateAcceptIncomplete, ResponseToken: ntlmNegotiate()}).Marshal()
	tr.Add(InitiatorToAcceptor, b)
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
	assert.Contains(t, tr.Verdict.Reason, "ntlmssp mechanism token")

	// request-mic in a later reply.
	tr = replay(t, Policy{}, mitB[:3])
	b, _ = (&Token{Kind: KindResp, NegState: NegStateRequestMIC}).Marshal()
	tr.Add(AcceptorToInitiator, b)
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)

	// NegTokenResp before any NegTokenInit; second NegTokenInit.
	tr = replay(t, Policy{}, mitB[1:2])
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
	tr = replay(t, Policy{}, []vectorToken{mitB[0], mitB[0]})
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)

	// A MIC in NegTokenInit next to an NTLM NEGOTIATE: the mechanism cannot
	// be complete yet.
	init, err := Parse(loadVector(t, mitB[0].file))
	require.NoError(t, err)
	init.MechListMIC = make([]byte, 16)
	b, _ = init.Marshal()
	tr = NewTranscript(Policy{})
	tr.Add(InitiatorToAcceptor, b)
	assert.Equal(t, ResultMICTooEarly, tr.Verdict.Result)

	// Bare mechanism token after SPNEGO tokens.
	tr = replay(t, Policy{}, mitB[:2])
	tr.Add(InitiatorToAcceptor, ntlmNegotiate())
	assert.Equal(t, ResultProtocolError, tr.Verdict.Result)
}

// TestIncrementalDue shows the engine's use: after each token, what is due.
func TestIncrementalDue(t *testing.T) {
	toks := tokensOf(t, "samba/C1-downgrade-mic-exchange")
	tr := NewTranscript(Policy{})
	assert.Equal(t, ResultIncomplete, tr.Verdict.Result)
	tr.Add(toks[0].dir, loadVector(t, toks[0].file))
	assert.False(t, tr.Verdict.Acceptor.Due)
	tr.Add(toks[1].dir, loadVector(t, toks[1].file))
	// request-mic + downgrade: both owe a MIC from here on.
	assert.True(t, tr.Verdict.Initiator.Due)
	assert.True(t, tr.Verdict.Acceptor.Due)
	assert.Equal(t, RuleSelectedNotFirst, tr.Verdict.Acceptor.Rule)
	assert.Equal(t, ResultIncomplete, tr.Verdict.Result)
	// Preview: the acceptor's final accept-completed without having sent its
	// MIC would fail; the real token (AP-REP + MIC) keeps the exchange going.
	for _, vt := range toks[2:3] {
		tr.Add(vt.dir, loadVector(t, vt.file))
	}
	done, _ := (&Token{Kind: KindResp, NegState: NegStateAcceptCompleted}).Marshal()
	assert.Equal(t, ResultDowngradeWithoutMIC, tr.Preview(AcceptorToInitiator, done).Result)
	assert.Equal(t, ResultIncomplete, tr.Preview(AcceptorToInitiator, loadVector(t, toks[3].file)).Result)
	assert.Len(t, tr.Reports, 3, "Preview does not add")
	for _, vt := range toks[3:] {
		tr.Add(vt.dir, loadVector(t, vt.file))
	}
	assert.Equal(t, ResultOK, tr.Verdict.Result, tr.Verdict.Reason)
}

func TestNoIntegrity(t *testing.T) {
	// Windows XP's NTLMv1 AUTHENTICATE does not negotiate NTLMSSP_NEGOTIATE_SIGN
	// (only ALWAYS_SIGN): nothing can be signed, so no MIC is due, and the
	// strict profile refuses the mechanism.
	toks := tokensOf(t, "windows/responder3-smb_ntlm_xp_to_ws2008")
	v := replay(t, Policy{}, toks).Verdict
	assert.Equal(t, ResultOK, v.Result, v.Reason)
	assert.True(t, v.NoIntegrity)
	assert.False(t, v.Initiator.Due)
	v = replay(t, Policy{Profile: ProfileStrict}, toks).Verdict
	assert.Equal(t, ResultNoIntegrity, v.Result)
	assert.ErrorIs(t, v.Err(), ErrNoIntegrity)

	// Windows 10 NTLM negotiates SIGN: strict is satisfied by its MICs.
	v = replay(t, Policy{Profile: ProfileStrict}, tokensOf(t, "windows/scapy-smb2_ntlm_win10_to_ws2019_pw_known")).Verdict
	assert.False(t, v.NoIntegrity)
	assert.Equal(t, ResultOK, v.Result, v.Reason)
	assert.Equal(t, RuleNTLMAuthenticateMIC, v.Initiator.Rule)
}
