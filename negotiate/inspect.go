package negotiate

import (
	"errors"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// Report describes one token of an exchange: its SPNEGO fields, the
// mechanism token inside it, and its mechListMIC. The inspector needs no
// keys; MICCheck is filled in by whoever holds the mechanism context.
//
// JSON field names are part of the CLI's machine interface (gssnego inspect
// -json); see the package documentation.
type Report struct {
	// Index is the token's position in the transcript, from 0.
	Index int `json:"index"`
	// Direction says who sent it.
	Direction Direction `json:"direction"`
	// Length is the token's size in bytes.
	Length int `json:"length"`
	// Kind is "NegTokenInit", "NegTokenInit2", "NegTokenResp", or
	// "mechanism" for a bare mechanism token sent without SPNEGO.
	Kind string `json:"kind"`
	// Framed marks a NegTokenResp wrapped in RFC 2743 framing (old Sun/MIT).
	Framed bool `json:"framed,omitempty"`
	// MechTypes is the initiator's (or, in NegTokenInit2, acceptor's) list.
	MechTypes []Mech `json:"mechTypes,omitempty"`
	// ReqFlags is the reqFlags bit mask, if sent.
	ReqFlags *ContextFlags `json:"reqFlags,omitempty"`
	// HintName is NegTokenInit2 negHints.hintName.
	HintName string `json:"hintName,omitempty"`
	// NegState is the negState name ("accept-completed", ...), empty if absent.
	NegState string `json:"negState,omitempty"`
	// SupportedMech is the acceptor's choice, if present.
	SupportedMech *Mech `json:"supportedMech,omitempty"`
	// MechToken describes mechToken, responseToken, or the bare token.
	MechToken *Inner `json:"mechToken,omitempty"`
	// MIC describes the mechListMIC, if present.
	MIC *MIC `json:"mechListMIC,omitempty"`
	// MICCheck is the MIC's verification result, set by the engine.
	MICCheck MICCheck `json:"micCheck"`
	// Error is set when the token is not a valid SPNEGO token (nor a
	// recognizable bare mechanism token).
	Error *ParseError `json:"error,omitempty"`
	// Token is the decoded SPNEGO token; it aliases the inspected bytes.
	// Nil for bare mechanism tokens and malformed input.
	Token *Token `json:"-"`
}

// Mech names a mechanism OID for reports.
type Mech struct {
	OID  string `json:"oid"`  // dotted form
	Name string `json:"name"` // short name, e.g. "ms-krb5", or the dotted form
}

// mechOf names o; well-known mechanisms come from a table so that
// inspecting a Windows mechTypes list does not format OIDs every time.
func mechOf(o gss.OID) Mech {
	if m, ok := wellKnownMechs[o]; ok {
		return m
	}
	return Mech{OID: o.String(), Name: o.MechName()}
}

var wellKnownMechs = func() map[gss.OID]Mech {
	m := map[gss.OID]Mech{}
	for _, o := range gss.WellKnownMechs() {
		m[o] = Mech{OID: o.String(), Name: o.MechName()}
	}
	return m
}()

// Inner describes a mechanism token (what mechtoken.Sniff learns) plus the
// facts the mechListMIC policy uses.
type Inner struct {
	// Offset is where the mechanism token starts inside the SPNEGO token.
	Offset int `json:"offset"`
	// Length is its size.
	Length int `json:"length"`
	// Mech is "krb5", "ntlmssp", "negoex" or "unknown".
	Mech string `json:"mech"`
	// Message is the message type: "AP-REQ", "AP-REP", "KRB-ERROR",
	// "TGT-REQ", "TGT-REP", "NEGOTIATE", "CHALLENGE", "AUTHENTICATE",
	// "NEGOEX", or mechtoken's kind name for anything else.
	Message string `json:"message"`
	// Mutual says whether a Kerberos AP-REQ asked for mutual authentication.
	Mutual bool `json:"mutual,omitempty"`
	// TicketEtype is the AP-REQ ticket's enctype (the service's long-term key).
	TicketEtype gss.Enctype `json:"ticketEtype,omitempty"`
	// SessionEtype is the session key enctype shown by an AP-REQ
	// authenticator or an AP-REP enc-part.
	SessionEtype gss.Enctype `json:"sessionEtype,omitempty"`
	// NTLMHasMIC says whether an NTLM AUTHENTICATE carries its own MIC.
	NTLMHasMIC bool `json:"ntlmHasMic,omitempty"`
	// Info is everything mechtoken.Sniff read.
	Info mechtoken.Info `json:"info"`
	// Error says why the mechanism token could not be read; it does not make
	// the SPNEGO token malformed.
	Error string `json:"error,omitempty"`
}

// MIC describes a mechListMIC without verifying it.
type MIC struct {
	// Offset is where the MIC starts inside the SPNEGO token.
	Offset int `json:"offset"`
	// Length is its size.
	Length int `json:"length"`
	// Format is "rfc4121" (04 04, proves a new enctype), "rfc1964" (framed
	// 01 01: DES/RC4), "ntlm" (NTLMSSP signature), "copy-of-response-token"
	// (Windows 2000 quirk) or "unknown".
	Format string `json:"format"`
	// Info is everything mechtoken.Sniff read.
	Info mechtoken.Info `json:"info"`
	// Error says why the MIC could not be read.
	Error string `json:"error,omitempty"`
}

// Inspect describes one token sent in direction d as token number index.
// The Report aliases b.
func Inspect(d Direction, index int, b []byte) Report {
	r := Report{Index: index, Direction: d, Length: len(b)}
	tok, err := Parse(b)
	if err != nil {
		if info, serr := mechtoken.Sniff(b); serr == nil && info.Kind != mechtoken.KindOpaque {
			r.Kind = "mechanism"
			r.MechToken = describeInner(b, b)
			return r
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			pe = &ParseError{Token: "SPNEGO token", Field: "token", Reason: err.Error()}
		}
		r.Kind = "malformed"
		r.Error = pe
		return r
	}
	r.Token = tok
	r.Kind = tok.Kind.String()
	r.Framed = tok.Framed
	for _, m := range tok.MechTypes {
		r.MechTypes = append(r.MechTypes, mechOf(m))
	}
	if tok.HasReqFlags {
		f := tok.ReqFlags
		r.ReqFlags = &f
	}
	r.HintName = string(tok.HintName)
	if tok.NegState != NegStateAbsent {
		r.NegState = tok.NegState.String()
	}
	if tok.SupportedMech != "" {
		m := mechOf(tok.SupportedMech)
		r.SupportedMech = &m
	}
	if mt := tok.MechToken; tok.Kind == KindResp {
		mt = tok.ResponseToken
		if mt != nil {
			r.MechToken = describeInner(b, mt)
		}
	} else if mt != nil {
		r.MechToken = describeInner(b, mt)
	}
	if tok.MechListMIC != nil {
		r.MIC = describeMIC(b, tok)
	}
	return r
}

// offsetIn returns where sub starts inside outer (sub aliases outer).
func offsetIn(outer, sub []byte) int { return cap(outer) - cap(sub) }

var messageNames = map[mechtoken.Kind]string{
	mechtoken.KindKRB5APReq:        "AP-REQ",
	mechtoken.KindKRB5APRep:        "AP-REP",
	mechtoken.KindKRB5Error:        "KRB-ERROR",
	mechtoken.KindKRB5TGTReq:       "TGT-REQ",
	mechtoken.KindKRB5TGTRep:       "TGT-REP",
	mechtoken.KindNTLMNegotiate:    "NEGOTIATE",
	mechtoken.KindNTLMChallenge:    "CHALLENGE",
	mechtoken.KindNTLMAuthenticate: "AUTHENTICATE",
	mechtoken.KindNegoEx:           "NEGOEX",
}

// describeInner sniffs a mechanism token found inside outer.
func describeInner(outer, b []byte) *Inner {
	in := &Inner{Offset: offsetIn(outer, b), Length: len(b)}
	info, err := mechtoken.Sniff(b)
	in.Info = info
	if err != nil {
		in.Error = err.Error()
	}
	switch info.Kind.Mech() {
	case gss.MechKRB5:
		in.Mech = "krb5"
	case gss.MechNTLMSSP:
		in.Mech = "ntlmssp"
	case gss.MechNegoEx:
		in.Mech = "negoex"
	default:
		in.Mech = "unknown"
	}
	in.Message = messageNames[info.Kind]
	if in.Message == "" {
		in.Message = info.Kind.String()
	}
	if info.Kind == mechtoken.KindKRB5APReq {
		in.Mutual = info.Kerberos.APOptions.MutualRequired()
		in.TicketEtype = info.Kerberos.Ticket.Etype
	}
	in.SessionEtype = info.SessionEnctype()
	in.NTLMHasMIC = ntlmHasMIC(info)
	return in
}

// describeMIC sniffs the mechListMIC of tok, found inside outer.
func describeMIC(outer []byte, tok *Token) *MIC {
	b := tok.MechListMIC
	m := &MIC{Offset: offsetIn(outer, b), Length: len(b)}
	if tok.MICIsResponseTokenCopy {
		m.Format = "copy-of-response-token"
		return m
	}
	info, err := mechtoken.Sniff(b)
	m.Info = info
	if err != nil {
		m.Error = err.Error()
	}
	switch info.Kind {
	case mechtoken.KindKRB5MIC:
		m.Format = "rfc4121"
	case mechtoken.KindKRB5LegacyMIC:
		m.Format = "rfc1964"
	case mechtoken.KindNTLMSignature:
		m.Format = "ntlm"
	default:
		m.Format = "unknown"
	}
	return m
}

// Transcript is an ordered exchange of tokens and the policy's verdict on it.
type Transcript struct {
	// Policy is applied by Evaluate and Add.
	Policy Policy `json:"-"`
	// Reports holds one Report per token, in order.
	Reports []Report `json:"tokens"`
	// Verdict is the policy's verdict after the last Add or Evaluate.
	Verdict Verdict `json:"verdict"`
}

// NewTranscript returns an empty transcript evaluated under p.
func NewTranscript(p Policy) *Transcript {
	t := &Transcript{Policy: p}
	t.Evaluate()
	return t
}

// Add inspects token b sent in direction d, appends its Report, re-evaluates
// the policy, and returns the new Report (valid until the next Add). The
// Report aliases b.
func (t *Transcript) Add(d Direction, b []byte) *Report {
	t.Reports = append(t.Reports, Inspect(d, len(t.Reports), b))
	t.Evaluate()
	return &t.Reports[len(t.Reports)-1]
}

// SetMICCheck records the engine's verification result for the MIC of
// token index and re-evaluates.
func (t *Transcript) SetMICCheck(index int, c MICCheck) {
	t.Reports[index].MICCheck = c
	t.Evaluate()
}

// Preview returns the verdict the transcript would have if token b, sent in
// direction d, were added, without adding it: an engine asks it whether a
// token it is about to send or accept is allowed.
func (t *Transcript) Preview(d Direction, b []byte) Verdict {
	reports := append(t.Reports[:len(t.Reports):len(t.Reports)], Inspect(d, len(t.Reports), b))
	return t.Policy.Evaluate(reports)
}

// Evaluate re-applies the policy to the reports and returns the verdict.
func (t *Transcript) Evaluate() Verdict {
	t.Verdict = t.Policy.Evaluate(t.Reports)
	return t.Verdict
}

// ntlmHasMIC reports whether an NTLM AUTHENTICATE carries its own MIC
// (MsvAvFlags 0x2 in the NTLMv2 response), which makes the mechListMIC
// mandatory under MS-SPNG <8>.
func ntlmHasMIC(info mechtoken.Info) bool {
	return info.Kind == mechtoken.KindNTLMAuthenticate && info.NTLM.HasMIC()
}
