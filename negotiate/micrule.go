package negotiate

import "github.com/gssnego/gssnego/gss"

// MICFacts are what the mechListMIC policy decides on, known to either side
// once the selected mechanism is complete.
type MICFacts struct {
	Profile         Profile
	SelectedIsFirst bool // the acceptor chose the initiator's first mechanism (all Kerberos OIDs are one)
	MICRequested    bool // the acceptor's first reply was request-mic
	PeerSentMIC     bool // the peer has sent a mechListMIC
	NTLMAuthMIC     bool // the NTLM AUTHENTICATE carried its own MIC
	// OptimisticOneRound: the optimistic token was accepted and the
	// acceptor's first reply completed the mechanism.
	OptimisticOneRound bool
	Kerberos           bool        // the selected mechanism is Kerberos
	Enctype            gss.Enctype // per-message key etype; EnctypeUnknown if no evidence
	Integrity          bool        // the mechanism offers per-message integrity
}

// MIC rules, as named in errors and reports (DESIGN.md's policy table).
const (
	RuleSelectedNotFirst    = "selected-not-first"
	RulePeerRequested       = "peer-requested-mic"
	RulePeerSentMIC         = "peer-sent-mic"
	RuleNTLMAuthenticateMIC = "ntlm-authenticate-mic"
	RuleExtraLegNewEnctype  = "extra-leg-new-enctype"
	RuleStrict              = "strict-profile"
)

// DecideMIC applies the mechListMIC policy table of DESIGN.md: it returns
// the rule that makes the MIC exchange (both directions) due, or "" when no
// MIC is due — in which case neither side sends one, as Windows and MIT do.
// The error is non-nil only when the strict profile refuses a mechanism
// without integrity.
//
// An unknown etype counts as a new one: absent evidence, the safe choice is
// to require the MIC (every AES-era peer sends it when asked).
func DecideMIC(f MICFacts) (string, error) {
	if !f.Integrity {
		if f.Profile == ProfileStrict {
			return "", engineErr(ErrDowngrade, RuleStrict, "selected mechanism has no integrity, so no mechListMIC can protect the negotiation", nil)
		}
		return "", nil
	}
	switch {
	case !f.SelectedIsFirst:
		return RuleSelectedNotFirst, nil
	case f.MICRequested:
		return RulePeerRequested, nil
	case f.PeerSentMIC:
		return RulePeerSentMIC, nil
	case f.Profile == ProfileStrict:
		return RuleStrict, nil
	case f.Profile == ProfileRFC4178:
		return "", nil
	case f.NTLMAuthMIC:
		return RuleNTLMAuthenticateMIC, nil
	case f.OptimisticOneRound || !f.Kerberos:
		return "", nil
	case f.Enctype == gss.EnctypeUnknown || f.Enctype.UsesRFC4121Tokens():
		return RuleExtraLegNewEnctype, nil
	}
	return "", nil // extra leg with a legacy (RC4/DES) key: Windows 2000–2003 peers
}
