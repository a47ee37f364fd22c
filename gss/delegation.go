package gss

import (
	"errors"
	"fmt"
	"time"
)

// Delegated is implemented by acceptor contexts that can hand over the
// credential the initiator delegated (golang-auth/go-gssapi v3 returns the
// same thing as SecContextInfoPartial.DelegatedCredential).
type Delegated interface {
	// DelegatedCredential returns the credential the initiator delegated
	// with the established context, or nil when none arrived (the initiator
	// did not ask, its ticket was not forwardable, or its policy flag found
	// the service not ok-as-delegate). Ownership passes to the caller, who
	// must Release it; the context forgets it, so a second call returns nil.
	// Until it is taken, closing the context releases it. The credential is
	// an initiator credential for the delegating user, usable with
	// WithInitiatorCredential; Inquire tells its lifetime.
	DelegatedCredential() (Credential, error)
}

// DelegatedCredential takes the credential delegated to ctx (see
// Delegated): nil, nil when none arrived, ErrUnavailable wrapped when ctx's
// backend cannot hand one over.
func DelegatedCredential(ctx SecContext) (Credential, error) {
	d, ok := ctx.(Delegated)
	if !ok {
		return nil, fmt.Errorf("gss: %T cannot hand over delegated credentials: %w", ctx, ErrUnavailable)
	}
	return d.DelegatedCredential()
}

// CredentialStorer is implemented by credentials that can be written into a
// credential cache (MIT gss_store_cred_into), so that a child process or a
// C library can use them through KRB5CCNAME.
type CredentialStorer interface {
	// StoreInto writes the credential's initiator tickets into ccache
	// ("FILE:/path", "DIR:…", "KEYRING:…"), replacing what it held.
	StoreInto(ccache string) error
}

// StoreCredential writes cred into ccache (see CredentialStorer); it is
// ErrUnavailable wrapped when cred's backend cannot.
func StoreCredential(cred Credential, ccache string) error {
	s, ok := cred.(CredentialStorer)
	if !ok {
		return fmt.Errorf("gss: %T cannot be stored into a credential cache: %w", cred, ErrUnavailable)
	}
	return s.StoreInto(ccache)
}

// Impersonator is implemented by providers that can acquire, from a
// service's own credential, an initiator credential for a user who sent no
// ticket (Kerberos S4U2Self, "protocol transition"). Initiating a context
// with the result asks the KDC for a ticket to the target on the user's
// behalf (S4U2Proxy, "constrained delegation"), which the KDC grants only
// to targets the service is allowed to delegate to.
type Impersonator interface {
	// AcquireImpersonatedCredential acquires a credential for user from
	// service (which needs initiator usage: a TGT for the service, e.g.
	// from its keytab). An initiator credential taken from an accepted
	// context (Delegated) is already the user's and needs no call here.
	AcquireImpersonatedCredential(service Credential, user Name, mechs []OID, usage CredUsage, lifetime time.Duration) (Credential, error)
}

// AcquireImpersonatedCredential is Impersonator's call on p; it is
// ErrUnavailable wrapped when p cannot impersonate.
func AcquireImpersonatedCredential(p Provider, service Credential, user Name, lifetime time.Duration) (Credential, error) {
	im, ok := p.(Impersonator)
	if !ok {
		return nil, fmt.Errorf("gss: provider %s cannot impersonate users (S4U2Self): %w", p.Name(), ErrUnavailable)
	}
	return im.AcquireImpersonatedCredential(service, user, []OID{MechKRB5}, CredInitiateOnly, lifetime)
}

// KDCError is a Kerberos protocol error code (RFC 4120 §7.5.9) that a KDC
// returned. errors.Is(err, KDCErrBadOption) matches a gss Error whose minor
// status is that code in the krb5 error table (MIT and Heimdal both number
// KRB5KDC_ERR_x as krb5ErrorTableBase + x); SSPI errors never match.
type KDCError int32

// KDC error codes that delegation runs into.
const (
	KDCErrClientUnknown  KDCError = 6  // KDC_ERR_C_PRINCIPAL_UNKNOWN
	KDCErrServerUnknown  KDCError = 7  // KDC_ERR_S_PRINCIPAL_UNKNOWN
	KDCErrPolicy         KDCError = 12 // KDC_ERR_POLICY
	KDCErrBadOption      KDCError = 13 // KDC_ERR_BADOPTION: constrained delegation refused, ticket not forwardable
	KDCErrClientRevoked  KDCError = 18 // KDC_ERR_CLIENT_REVOKED
	KDCErrPreauthFailed  KDCError = 24 // KDC_ERR_PREAUTH_FAILED
	KDCErrBadIntegrity   KDCError = 31 // KRB_AP_ERR_BAD_INTEGRITY
	KDCErrTicketNotValid KDCError = 33 // KRB_AP_ERR_TKT_NYV
)

// krb5ErrorTableBase is com_err's base of the krb5 table (ERROR_TABLE_BASE_krb5).
const krb5ErrorTableBase = 0x96c73a00

func (k KDCError) Error() string {
	return fmt.Sprintf("gss: KDC error %d", int32(k))
}

// Minor is the GSS minor status that carries k.
func (k KDCError) Minor() uint32 { return krb5ErrorTableBase + uint32(k) }

// KDCErrorOf returns the KDC error code carried by err's minor status, if
// any.
func KDCErrorOf(err error) (KDCError, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Mech != "" && !e.Mech.IsKerberos() {
		return 0, false
	}
	if e.Minor < krb5ErrorTableBase || e.Minor > krb5ErrorTableBase+127 {
		return 0, false
	}
	return KDCError(e.Minor - krb5ErrorTableBase), true
}
