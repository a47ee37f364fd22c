package gss

import (
	"fmt"
	"slices"
	"time"
)

// AuthzData is what an Active Directory KDC said about the client of an
// accepted context: the PAC (MS-PAC) in the service ticket, or on Windows
// the access token SSPI built from it. SIDs are strings ("S-1-5-21-…-1104")
// so that every backend yields the same values and a policy compares them
// without a decoder.
type AuthzData struct {
	// UserSID is the client's account SID.
	UserSID string
	// PrimaryGroupSID is the account's primary group (usually Domain Users).
	PrimaryGroupSID string
	// GroupSIDs are every group SID the KDC resolved for the client: the
	// domain's global and universal groups (nesting expanded), the extra
	// SIDs (other domains' groups, SID history, the asserted-identity
	// SIDs) and the resource groups (domain-local groups). Each once, in
	// the order the PAC lists them; the primary group is included.
	GroupSIDs []string
	// LogonName and LogonDomain are the account's sAMAccountName and its
	// domain's NetBIOS name (EXAMPLE\alice).
	LogonName, LogonDomain string
	// UPN and DNSDomain come from UPN_DNS_INFO (alice@example.com,
	// EXAMPLE.COM); empty when the PAC has none.
	UPN, DNSDomain string
	// LogonTime is the account's last logon as the DC recorded it
	// (KERB_VALIDATION_INFO; Samba leaves it zero for an account that
	// never logged on interactively). PasswordMustChange is zero when
	// never.
	LogonTime, PasswordMustChange time.Time
	// UserAccountControl holds the account's flags as the PAC carries
	// them (MS-SAMR USER_* values, see the UAC constants).
	UserAccountControl uint32
	// Verified says the PAC's server signature was checked with the
	// service's own key and matched; VerifiedBy names who checked it
	// ("gssnego kerberos", "MIT krb5", "Heimdal", "Windows LSA"). A PAC
	// that was not verified must not be used to grant access.
	Verified   bool
	VerifiedBy string
	// Source names the backend and call the data came from.
	Source string
	// Raw is the PAC as the ticket carried it, when the backend has it
	// (not on Windows).
	Raw []byte
}

// UAC flags (MS-SAMR 2.2.1.12) a service may act on.
const (
	UACAccountDisabled    uint32 = 0x00000001
	UACNormalAccount      uint32 = 0x00000010
	UACWorkstationTrust   uint32 = 0x00000080
	UACServerTrust        uint32 = 0x00000100
	UACDontExpirePassword uint32 = 0x00000200
	UACLocked             uint32 = 0x00000400
	UACSmartcardRequired  uint32 = 0x00001000
	UACNotDelegated       uint32 = 0x00004000
	UACPasswordExpired    uint32 = 0x00020000
)

// HasSID reports whether sid is the user's SID or one of its groups.
func (a *AuthzData) HasSID(sid string) bool {
	if a == nil {
		return false
	}
	return a.UserSID == sid || a.PrimaryGroupSID == sid || slices.Contains(a.GroupSIDs, sid)
}

// AuthzInquirer is implemented by accepted contexts that can tell the
// client's authorization data.
type AuthzInquirer interface {
	// InquireAuthz returns the authorization data of the established
	// context. A ticket without AD authorization data (from an MIT or
	// Heimdal KDC, whose PAC, if any, names no account or groups; or for a
	// service with NO_AUTH_DATA_REQUIRED) gives nil, nil: "no PAC" is an
	// answer, not an error. A PAC whose server signature does not verify
	// is returned with Verified false, or refused with an error, as the
	// backend decides; it is never reported as verified.
	InquireAuthz() (*AuthzData, error)
}

// InquireAuthz returns ctx's authorization data (see AuthzInquirer): nil,
// nil when the ticket had no PAC, ErrUnavailable wrapped when ctx's
// backend cannot tell.
func InquireAuthz(ctx SecContext) (*AuthzData, error) {
	a, ok := ctx.(AuthzInquirer)
	if !ok {
		return nil, fmt.Errorf("gss: %T cannot tell the client's authorization data: %w", ctx, ErrUnavailable)
	}
	return a.InquireAuthz()
}
