// Package mechtoken reads ("sniffs") the mechanism tokens that SPNEGO
// carries without any key: Kerberos AP-REQ, AP-REP, KRB-ERROR and
// user-to-user TGT messages, RFC 4121 and RFC 1964/4757 per-message tokens
// (MIC, Wrap), NTLMSSP messages and signatures, and NegoEx messages.
//
// It tells the negotiate inspector what each token is and what it reveals
// about the mechListMIC policy's inputs: the ticket and session-key enctypes,
// mutual authentication, whether a MIC token is RFC 4121 ("new enctype") or
// legacy, its flags, and whether an NTLM AUTHENTICATE message carries its own
// MIC.
//
// Sniff never panics; it returns a *ParseError (matching ErrMalformed) only
// when a token it recognizes is malformed, and reports anything else as
// KindOpaque. Results alias the input: byte-slice fields point into it, so
// keep the input unchanged while the result is in use. Sniffing a Kerberos
// token does not allocate.
//
// DER (the GSS framing and every Kerberos message) is read strictly with
// cryptobyte: minimal definite lengths, no trailing bytes at any level.
// Every real peer's token in testdata is strict DER; BER is not tolerated.
package mechtoken

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/der"
)

// Kind says what a sniffed token is.
type Kind uint8

// Token kinds.
const (
	KindOpaque           Kind = iota // not recognized (not an error)
	KindKRB5APReq                    // Kerberos AP-REQ
	KindKRB5APRep                    // Kerberos AP-REP
	KindKRB5Error                    // Kerberos KRB-ERROR
	KindKRB5TGTReq                   // user-to-user KERB-TGT-REQUEST
	KindKRB5TGTRep                   // user-to-user KERB-TGT-REPLY
	KindKRB5MIC                      // RFC 4121 MIC token
	KindKRB5Wrap                     // RFC 4121 Wrap token
	KindKRB5LegacyMIC                // RFC 1964/4757 MIC token
	KindKRB5LegacyWrap               // RFC 1964/4757 Wrap token
	KindNTLMNegotiate                // NTLMSSP NEGOTIATE_MESSAGE
	KindNTLMChallenge                // NTLMSSP CHALLENGE_MESSAGE
	KindNTLMAuthenticate             // NTLMSSP AUTHENTICATE_MESSAGE
	KindNTLMSignature                // NTLMSSP_MESSAGE_SIGNATURE (NTLM GetMIC output)
	KindNegoEx                       // one or more NegoEx messages
)

var kindNames = [...]string{
	"opaque", "krb5-ap-req", "krb5-ap-rep", "krb5-error", "krb5-tgt-req", "krb5-tgt-rep",
	"krb5-mic", "krb5-wrap", "krb5-legacy-mic", "krb5-legacy-wrap",
	"ntlm-negotiate", "ntlm-challenge", "ntlm-authenticate", "ntlm-signature", "negoex",
}

// String returns the kind's JSON name, e.g. "krb5-ap-req".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind-%d", uint8(k))
}

// MarshalText makes JSON show the name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Mech returns the mechanism the kind belongs to (gss.MechKRB5,
// gss.MechNTLMSSP or gss.MechNegoEx), or "" for KindOpaque.
func (k Kind) Mech() gss.OID {
	switch {
	case k >= KindKRB5APReq && k <= KindKRB5LegacyWrap:
		return gss.MechKRB5
	case k >= KindNTLMNegotiate && k <= KindNTLMSignature:
		return gss.MechNTLMSSP
	case k == KindNegoEx:
		return gss.MechNegoEx
	}
	return ""
}

// PerMessage reports whether the kind is a per-message token (MIC, Wrap or
// NTLM signature): what a mechListMIC holds.
func (k Kind) PerMessage() bool {
	return k >= KindKRB5MIC && k <= KindKRB5LegacyWrap || k == KindNTLMSignature
}

// Info is the result of Sniff. Kind says which of the optional parts is set.
// Byte slices alias the input.
type Info struct {
	Kind Kind `json:"kind"`
	// Mech is the OID of the RFC 2743 framing, "" if the token was not framed.
	Mech gss.OID `json:"-"`
	// Len is the length of the whole token.
	Len int `json:"len"`

	Kerberos  Kerberos      `json:"kerberos,omitzero"`  // KindKRB5APReq … KindKRB5TGTRep
	CFX       CFX           `json:"cfx,omitzero"`       // KindKRB5MIC, KindKRB5Wrap
	Legacy    Legacy        `json:"legacy,omitzero"`    // KindKRB5LegacyMIC, KindKRB5LegacyWrap
	Signature NTLMSignature `json:"signature,omitzero"` // KindNTLMSignature
	NTLM      NTLM          `json:"ntlm,omitzero"`      // KindNTLMNegotiate … KindNTLMAuthenticate
	NegoEx    NegoEx        `json:"negoex,omitzero"`    // KindNegoEx
}

// Sniff recognizes a mechanism token and reads what it reveals without keys.
// Unrecognized input (including an empty token, and a GSS-framed token of a
// non-Kerberos mechanism) is KindOpaque with a nil error. A recognized but
// malformed token returns a *ParseError whose Offset counts from the start of
// b (its Token names the structure that was recognized), with an Info that
// holds only KindOpaque, Len and, if the framing was read, Mech. Recognition is by the first bytes (docs/protocol.md): `60` framing, raw
// `6e`/`6f`/`7e` Kerberos messages, `04 04`/`05 04` RFC 4121 tokens,
// "NTLMSSP\0", "NEGOEXTS", and a 16-byte token starting `01 00 00 00` (NTLM
// signature).
func Sniff(b []byte) (Info, error) {
	info := Info{Len: len(b)}
	err := sniff(b, &info)
	if err != nil {
		return Info{Kind: KindOpaque, Len: len(b), Mech: info.Mech}, err
	}
	return info, nil
}

func sniff(b []byte, info *Info) error {
	p := parser{der.Parser{Base: b}}
	var err error
	switch {
	case len(b) == 0:
		return nil
	case b[0] == gss.TagFraming:
		var inner []byte
		if info.Mech, inner, err = gss.ParseFraming(b); err != nil {
			return err
		}
		p.Token = "GSS framing"
		return p.sniffFramed(inner, info)
	case b[0] == uint8(tagAPReq) || b[0] == uint8(tagAPRep) || b[0] == uint8(tagKRBError):
		info.Kind, err = p.parseRawKerberos(b, &info.Kerberos)
	case len(b) >= 2 && (b[0] == 0x04 || b[0] == 0x05) && b[1] == 0x04:
		info.Kind, err = p.parseCFX(b, &info.CFX)
	case bytes.HasPrefix(b, []byte(ntlmSignature)):
		info.Kind, err = p.parseNTLM(b, &info.NTLM)
	case bytes.HasPrefix(b, []byte(negoExSignature)):
		info.Kind = KindNegoEx
		err = p.parseNegoEx(b, &info.NegoEx)
	case isNTLMSignature(b):
		info.Kind = KindNTLMSignature
		parseNTLMSignature(b, &info.Signature)
	}
	return err
}

// sniffFramed dispatches the inner token of a framed Kerberos token on its TOK_ID.
func (p *parser) sniffFramed(inner []byte, info *Info) error {
	if !info.Mech.IsKerberos() && info.Mech != gss.MechKRB5U2U {
		return nil // some other mechanism's framed token: opaque
	}
	if len(inner) < 2 {
		p.Token = "krb5 token"
		return p.Fail("TOK_ID", inner, "truncated")
	}
	var err error
	switch binary.BigEndian.Uint16(inner) {
	case TokIDLegacyMIC, TokIDLegacyWrap:
		info.Kind, err = p.parseLegacy(inner, &info.Legacy)
	default:
		info.Kind, err = p.parseKerberosContext(inner, &info.Kerberos)
	}
	return err
}

// NewEnctype says what the token proves about the "new enctype" test of the
// mechListMIC policy: an RFC 4121 MIC or Wrap proves that the context signs
// with RFC 4121 tokens (isNew, known = true, true); an RFC 1964/4757 token
// disproves it (false, true). Other tokens settle nothing (known = false):
// an AP-REQ or AP-REP names the ticket session key's enctype, but an
// initiator or acceptor subkey (RFC 4537) may change the context's key.
func (i Info) NewEnctype() (isNew, known bool) {
	switch i.Kind {
	case KindKRB5MIC, KindKRB5Wrap:
		return true, true
	case KindKRB5LegacyMIC, KindKRB5LegacyWrap:
		return false, true
	}
	return false, false
}

// Family returns the enctype family a Kerberos per-message token implies.
func (i Info) Family() EnctypeFamily {
	switch i.Kind {
	case KindKRB5MIC, KindKRB5Wrap:
		return i.CFX.Family
	case KindKRB5LegacyMIC, KindKRB5LegacyWrap:
		return i.Legacy.Family
	}
	return FamilyUnknown
}

// SessionEnctype returns the ticket session key's enctype that an AP-REQ
// (authenticator etype) or AP-REP (enc-part etype) reveals, or
// gss.EnctypeUnknown.
func (i Info) SessionEnctype() gss.Enctype {
	switch i.Kind {
	case KindKRB5APReq:
		return i.Kerberos.Authenticator.Etype
	case KindKRB5APRep:
		return i.Kerberos.EncPart.Etype
	}
	return gss.EnctypeUnknown
}

// MarshalJSON adds the framing mechanism as "mech" (dotted) to the fields.
func (i Info) MarshalJSON() ([]byte, error) {
	type plain Info
	var mech string
	if i.Mech != "" {
		mech = i.Mech.String()
	}
	return json.Marshal(struct {
		Mech string `json:"mech,omitempty"`
		plain
	}{mech, plain(i)})
}

// String returns a one-line summary, e.g. "krb5 AP-REQ mutual-required
// ticket HTTP/localhost@EXAMPLE.TEST etype 18 kvno 2, authenticator etype 18".
func (i Info) String() string {
	var sb strings.Builder
	switch i.Kind {
	case KindKRB5APReq, KindKRB5APRep, KindKRB5Error, KindKRB5TGTReq, KindKRB5TGTRep:
		i.Kerberos.summary(&sb)
	case KindKRB5MIC, KindKRB5Wrap:
		i.CFX.summary(&sb)
	case KindKRB5LegacyMIC, KindKRB5LegacyWrap:
		i.Legacy.summary(&sb)
	case KindNTLMNegotiate, KindNTLMChallenge, KindNTLMAuthenticate:
		i.NTLM.summary(&sb)
	case KindNegoEx:
		i.NegoEx.summary(&sb)
	case KindNTLMSignature:
		fmt.Fprintf(&sb, "NTLM signature v%d seq %d", i.Signature.Version, i.Signature.SeqNum)
	default:
		sb.WriteString("opaque")
		if i.Mech != "" {
			sb.WriteString(" " + i.Mech.MechName())
		}
		fmt.Fprintf(&sb, " token, %d bytes", i.Len)
	}
	return sb.String()
}

func (k *Kerberos) summary(sb *strings.Builder) {
	sb.WriteString("krb5 " + msgTypeName(k.MsgType))
	if k.TokID == 0 {
		sb.WriteString(" (raw)")
	}
	switch k.MsgType {
	case MsgTypeAPReq:
		if k.APOptions.MutualRequired() {
			sb.WriteString(" mutual")
		}
		if k.APOptions.UseSessionKey() {
			sb.WriteString(" use-session-key")
		}
		k.ticketSummary(sb)
		fmt.Fprintf(sb, ", authenticator etype %d", k.Authenticator.Etype)
	case MsgTypeAPRep:
		fmt.Fprintf(sb, " etype %d", k.EncPart.Etype)
	case MsgTypeKRBError:
		fmt.Fprintf(sb, " error %d", k.ErrorCode)
		if len(k.EText) > 0 {
			fmt.Fprintf(sb, " %q", k.EText)
		}
		fmt.Fprintf(sb, " from %s@%s", k.SName, k.Realm)
	case MsgTypeTGTReq:
		if !k.SName.IsZero() {
			fmt.Fprintf(sb, " for %s", k.SName)
		}
		if len(k.Realm) > 0 {
			fmt.Fprintf(sb, "@%s", k.Realm)
		}
	case MsgTypeTGTRep:
		k.ticketSummary(sb)
	}
}

// msgTypeName names a Kerberos msg-type.
func msgTypeName(t int32) string {
	switch t {
	case MsgTypeAPReq:
		return "AP-REQ"
	case MsgTypeAPRep:
		return "AP-REP"
	case MsgTypeKRBError:
		return "KRB-ERROR"
	case MsgTypeTGTReq:
		return "TGT-REQ"
	case MsgTypeTGTRep:
		return "TGT-REP"
	}
	return fmt.Sprintf("msg-type %d", t)
}

func (k *Kerberos) ticketSummary(sb *strings.Builder) {
	fmt.Fprintf(sb, " ticket %s@%s etype %d", k.SName, k.Realm, k.Ticket.Etype)
	if k.Ticket.HasKVNO {
		fmt.Fprintf(sb, " kvno %d", k.Ticket.KVNO)
	}
}

func (c *CFX) summary(sb *strings.Builder) {
	name := "MIC"
	if c.TokID == TokIDWrap {
		name = "Wrap"
	}
	fmt.Fprintf(sb, "krb5 %s (RFC 4121) flags 0x%02x", name, uint8(c.Flags))
	if c.Flags != 0 {
		fmt.Fprintf(sb, " [%s]", c.Flags)
	}
	fmt.Fprintf(sb, " seq %d", c.SeqNum)
	if c.TokID == TokIDWrap {
		fmt.Fprintf(sb, " ec %d rrc %d", c.EC, c.RRC)
	}
	if c.ChecksumLen > 0 {
		fmt.Fprintf(sb, " checksum %d bytes (%s)", c.ChecksumLen, c.Family)
	}
}

func (l *Legacy) summary(sb *strings.Builder) {
	name := "MIC"
	if l.TokID == TokIDLegacyWrap {
		name = "Wrap"
	}
	fmt.Fprintf(sb, "krb5 %s (RFC 1964) SGN_ALG %02x %02x", name, byte(l.SGNAlg), byte(l.SGNAlg>>8))
	if l.TokID == TokIDLegacyWrap {
		fmt.Fprintf(sb, " SEAL_ALG %02x %02x", byte(l.SealAlg), byte(l.SealAlg>>8))
	}
	fmt.Fprintf(sb, " (%s)", l.Family)
}

// flagName names one bit of a flags word.
type flagName struct {
	bit  uint32
	name string
}

// formatFlags lists the names of the set bits joined by "|", with any
// unnamed bits last in hex; "" if none is set.
func formatFlags(v uint32, names []flagName) string {
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", v))
	}
	return strings.Join(parts, "|")
}
