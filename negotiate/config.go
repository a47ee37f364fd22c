package negotiate

import (
	"slices"

	"github.com/gssnego/gssnego/gss"
)

// Config configures a Client (initiator) or Server (acceptor).
type Config struct {
	// Provider supplies the raw mechanisms (MIT/Heimdal krb5, SSPI
	// "Kerberos", NTLM). Required.
	Provider gss.Provider
	// Mechs are, for a Client, the mechTypes offered in this order; for a
	// Server, the mechanisms it accepts. Nil means DefaultMechs(Provider).
	Mechs []gss.OID
	// Profile selects the mechListMIC rules; the zero value is ProfileWindows.
	Profile Profile
	// Flags are the Client's requested context flags. Mutual authentication
	// and integrity are always added: MS-SPNG §3.3.3 requires the first and
	// the mechListMIC the second. For delegation add gss.FlagDelegPolicy
	// (forward the TGT only to services the KDC marks ok-as-delegate) or
	// gss.FlagDeleg (always); docs/delegation.md.
	Flags gss.Flags
	// Credential replaces the default credentials.
	Credential gss.Credential
	// ChannelBindings bind the mechanism context to a channel.
	ChannelBindings *gss.ChannelBindings
	// NoOptimisticToken makes a Client wait for the acceptor's choice before
	// producing the first mechanism token (one extra round trip).
	NoOptimisticToken bool
	// TargetOption names, in a Client's errors, the setting through which
	// the user chose the target name (a flag such as "-spn", a field such
	// as "Transport.SPN"): when the KDC does not know the service
	// (gss.ErrServiceUnknown), the message says to register it or to
	// correct the name with that setting. Empty names none.
	TargetOption string
}

// DefaultMechs is the Windows order: Microsoft's Kerberos OID, the RFC one,
// and NTLM when the provider has it.
func DefaultMechs(p gss.Provider) []gss.OID {
	mechs := []gss.OID{gss.MechMSKRB5, gss.MechKRB5}
	if have, err := p.IndicateMechs(); err == nil && slices.Contains(have, gss.MechNTLMSSP) {
		mechs = append(mechs, gss.MechNTLMSSP)
	}
	return mechs
}

func (c *Config) mechs() []gss.OID {
	if c.Mechs != nil {
		return slices.Clone(c.Mechs)
	}
	return DefaultMechs(c.Provider)
}

// providerMech is the OID the provider knows a listed mechanism by: every
// Kerberos OID is the provider's krb5 mech (the inner AP-REQ carries the RFC
// OID even when the Microsoft one was listed, MS-SPNG §3.1.5.2).
func providerMech(listed gss.OID) gss.OID {
	if listed.IsKerberos() {
		return gss.MechKRB5
	}
	return listed
}
