package negotiate

// MICFacts are what the mechListMIC policy table (docs/design.md) decides on.
// The inspector derives them from a transcript; the engines know them
// first-hand once the selected mechanism is complete. Both call DueRule, so
// one function decides on every backend.
type MICFacts struct {
	Profile             Profile
	Downgrade           bool   // S ≠ F, all Kerberos OIDs counting as one mechanism
	RequestMIC          bool   // the acceptor's first reply was request-mic
	NTLMAuthenticateMIC bool   // the NTLM AUTHENTICATE carried its own MIC
	ExtraLeg            bool   // the mechanism needed more than the optimistic token and the first reply
	Kerberos            bool   // the selected mechanism is Kerberos
	NewEnctype          string // "yes", "no" or "unknown": the context signs with RFC 4121 tokens
}

// DueRule returns the rule that makes the mechListMIC due in both
// directions, or "" when none is: then neither side sends one, as Windows
// and MIT do after a plain optimistic Kerberos exchange. (A MIC received
// makes one sent due as well — RulePeerSentMIC — which callers add; and a
// mechanism without integrity gets no MIC at all.)
//
// Under the Windows profile an extra Kerberos leg with an unknown enctype
// counts as a new enctype: absent evidence, the safe choice is to require
// the MIC, which every AES-era peer sends when asked.
func DueRule(f MICFacts) string {
	switch {
	case f.Downgrade:
		return RuleSelectedNotFirst
	case f.RequestMIC:
		return RulePeerRequestedMIC
	case f.NTLMAuthenticateMIC && f.Profile != ProfileRFC4178:
		return RuleNTLMAuthenticateMIC
	case f.ExtraLeg && f.Kerberos && f.Profile == ProfileWindows && f.NewEnctype == "yes":
		return RuleExtraLegNewEnctype
	case f.ExtraLeg && f.Kerberos && f.Profile == ProfileWindows && f.NewEnctype == "unknown":
		return RuleExtraLegEnctypeUnknown
	case f.Profile == ProfileStrict:
		return RuleStrictProfile
	}
	return ""
}
