package gss

import (
	"errors"
	"regexp"
	"strings"
)

// Fault is a cause of failure the user can act on, recognised from the
// mechanism's minor status (and, for a few rules, the call and the major
// status: faultOf): what happened and what to do about it. A
// *Error whose minor code is one of these matches the Fault with errors.Is
// (errors.Is(err, gss.ErrKDCUnreachable)), besides the major-status
// sentinels, and its message leads with the fault.
type Fault struct {
	What string // what happened, e.g. "cannot reach any KDC of the realm"
	Fix  string // what to do, e.g. "check krb5.conf's kdc entries …"
}

func (f *Fault) Error() string { return "gss: " + f.Text() }

// Text is the fault and its fix without the package prefix, for callers
// that lead their own message with it.
func (f *Fault) Text() string { return f.What + " (" + f.Fix + ")" }

// FaultText is how the Fault of err reads, to lead a message with: what
// happened and the fix, worded for this failure where the fault concerns
// the target — for ErrServiceUnknown, "the KDC does not know service
// HTTP/web.example.com@EXAMPLE.COM" with the principal the library named
// (else target), and a fix naming option, the setting through which the
// caller chose the service name ("-spn", "Transport.SPN", "krbspn"). target
// and option may be empty. ok is false when err carries no Fault.
func FaultText(err error, target, option string) (text string, ok bool) {
	var ge *Error
	if errors.As(err, &ge) && ge.Fault != nil {
		return ge.FaultText(target, option), true
	}
	var f *Fault
	if !errors.As(err, &f) {
		return "", false
	}
	return f.text("", target, option), true
}

// SplitFault is how a wrapper leads its message with err's Fault: lead is
// FaultText(err, target, option), rest is err's text without the lead the
// fault already has inside it (so it is said once, first). ok is false, and
// rest err's whole text, when err carries no Fault. A wrapper that passed
// target and option to the layer below (negotiate.Config.TargetOption)
// passes the same here.
func SplitFault(err error, target, option string) (lead, rest string, ok bool) {
	rest = err.Error()
	lead, ok = FaultText(err, target, option)
	if !ok {
		return "", rest, false
	}
	inner, _ := FaultText(err, "", "")
	for _, l := range []string{lead, inner} {
		rest = strings.Replace(rest, l+": ", "", 1)
	}
	return lead, rest, true
}

// FaultText is FaultText for e ("" if e has no Fault).
func (e *Error) FaultText(target, option string) string {
	if e.Fault == nil {
		return ""
	}
	return e.Fault.text(e.Message, target, option)
}

func (f *Fault) text(native, target, option string) string {
	if f != ErrServiceUnknown {
		return f.Text()
	}
	principal := unknownPrincipal(native)
	if principal == "" || (target != "" && !sameService(principal, target)) {
		// No principal in the text, or one that is not the service asked
		// for (a text left from another call on the same thread): the name
		// asked for is what the user can check.
		principal = target
	}
	what := f.What
	if principal != "" {
		what = "the KDC does not know service " + principal
	}
	fix := f.Fix
	if option != "" {
		fix = strings.TrimSuffix(fix, "the client asks for") + "with " + option
	}
	return what + " (" + fix + ")"
}

// unknownPrincipal finds the principal in the library's text for
// KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: MIT's "Server P not found in Kerberos
// database", Heimdal's "Server (P) unknown" or the KDC's e-text
// "LOOKING_UP_SERVER (P)". A krbtgt/ principal is the
// realm referral the library tried for a name it could not place in a realm
// (an IP address, a host outside domain_realm): it says nothing of the
// service, so it is not returned.
func unknownPrincipal(native string) string {
	for _, re := range unknownPrincipalRes {
		if m := re.FindStringSubmatch(native); m != nil && !strings.HasPrefix(m[1], "krbtgt/") {
			return m[1]
		}
	}
	return ""
}

// sameService reports whether principal (service/host@REALM) can be what
// target names: the same principal with or without the realm, or for a
// host-based name (service@host) the same service and host.
func sameService(principal, target string) bool {
	base, _, _ := strings.Cut(principal, "@")
	if strings.Contains(target, "/") {
		t, _, _ := strings.Cut(target, "@")
		return strings.EqualFold(base, t)
	}
	return strings.EqualFold(base, strings.Replace(target, "@", "/", 1))
}

var unknownPrincipalRes = []*regexp.Regexp{
	regexp.MustCompile(`Server (\S+) not found in Kerberos database`),
	regexp.MustCompile(`Server \((\S+)\) unknown`),
	regexp.MustCompile(`LOOKING_UP_SERVER \((\S+)\)`), // Heimdal with the KDC's e-text
}

// Faults recognised in the minor status of the krb5 mechanism (the error
// table MIT and Heimdal share). docs/errors.md lists when each occurs.
var (
	// ErrKDCUnreachable: no KDC of the realm answered (refused, silent or
	// unresolvable). KRB5_KDC_UNREACH, KRB5_REALM_CANT_RESOLVE.
	ErrKDCUnreachable = &Fault{
		What: "cannot reach any KDC of the realm",
		Fix:  "check the realm's kdc entries in krb5.conf (KRB5_CONFIG), that the KDC runs, and that its port (88 by default, UDP and TCP) is reachable from here; on Windows, that a domain controller of the domain is reachable (nltest /dsgetdc:DOMAIN)",
	}
	// ErrClockSkew: this host's clock and the KDC's or the server's differ
	// by more than the allowed skew. KRB5KRB_AP_ERR_SKEW.
	ErrClockSkew = &Fault{
		What: "clock skew too great",
		Fix:  "synchronise the clocks of this host, the server and the KDC (NTP); the allowed difference is krb5.conf's clockskew, 300 s by default",
	}
	// ErrTicketExpired: a ticket (the TGT, or the service ticket the
	// acceptor was given) is past its end time. KRB5KRB_AP_ERR_TKT_EXPIRED,
	// and GSS_S_CREDENTIALS_EXPIRED from an initiator's first call.
	ErrTicketExpired = &Fault{
		What: "Kerberos ticket expired",
		Fix:  "get a new ticket with kinit (or renew it with kinit -R), then retry",
	}
	// ErrNoTicket: the credential cache is missing, unreadable or holds no
	// usable TGT. KRB5_FCC_NOFILE, KRB5_CC_NOTFOUND (Heimdal's answer for an
	// expired TGT too), KRB5_CC_FORMAT, KRB5_CC_END, and Heimdal's
	// GSS_S_FAILURE with ENOENT from an initiator's first call (the ccache
	// file does not exist).
	ErrNoTicket = &Fault{
		What: "no usable Kerberos ticket in the credential cache",
		Fix:  "run kinit (klist shows what the cache holds; check that KRB5CCNAME names the cache you mean)",
	}
	// ErrKeytabKeyVersion: the acceptor's keytab has no key with the key
	// version the ticket was encrypted with (the service's key was rotated
	// and the keytab not updated, or the other way round).
	// KRB5KRB_AP_ERR_BADKEYVER, KRB5_KT_KVNONOTFOUND.
	ErrKeytabKeyVersion = &Fault{
		What: "the service keytab has no key of the ticket's key version",
		Fix:  "export the service's current key into its keytab (kadmin ktadd -norandkey, or keep the old and the new key during a rotation) and compare kvno SERVICE with klist -k KEYTAB",
	}
	// ErrKeytabNoKey: the acceptor's keytab has no key for the ticket's
	// service principal, enctype or key version. KRB5_KT_NOTFOUND, and
	// KRB5_KT_END, which Heimdal reports for a key version it lacks.
	ErrKeytabNoKey = &Fault{
		What: "the service keytab has no key for the requested service",
		Fix:  "add the service principal's current keys to the keytab the server reads (KRB5_KTNAME), with the enctypes and the key version the KDC issues (kvno SERVICE, klist -k -e KEYTAB)",
	}
	// ErrWrongKey: the ticket does not decrypt with the keytab's key of
	// that version (the key changed without a kvno change, or a keytab
	// from another KDC). KRB5KRB_AP_ERR_BAD_INTEGRITY.
	ErrWrongKey = &Fault{
		What: "the ticket does not decrypt with the service's key",
		Fix:  "re-export the service key from the KDC into the keytab; tickets issued before a key change stop working until the client gets a new one (kdestroy; kinit)",
	}
	// ErrServiceUnknown: the KDC has no principal for the service the
	// initiator asked a ticket for (a wrong or unregistered service name,
	// or a host name the KDC knows under another one).
	// KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN; errors.Is(err, KDCErrServerUnknown)
	// matches the same errors. The message names the principal (see
	// FaultText).
	ErrServiceUnknown = &Fault{
		What: "the KDC does not know the service",
		Fix:  "register the service principal in the KDC (MIT kadmin: addprinc -randkey SERVICE/host; Active Directory: setspn -S SERVICE/host account), or correct the service name the client asks for",
	}
)

// krb5Faults maps krb5 minor statuses (com_err codes of the krb5 table,
// shared by MIT and Heimdal) to faults. This table and the rules in
// faultOf are the only place Kerberos failures are classified: the adapters
// (compat/…) match these Faults, they keep no codes of their own.
var krb5Faults = map[uint32]*Fault{
	0x96c73a9c: ErrKDCUnreachable,   // KRB5_KDC_UNREACH
	0x96c73adc: ErrKDCUnreachable,   // KRB5_REALM_CANT_RESOLVE
	0x96c73a25: ErrClockSkew,        // KRB5KRB_AP_ERR_SKEW
	0x96c73a20: ErrTicketExpired,    // KRB5KRB_AP_ERR_TKT_EXPIRED
	0x96c73a21: ErrClockSkew,        // KRB5KRB_AP_ERR_TKT_NYV: ticket from the future
	0x96c73ac3: ErrNoTicket,         // KRB5_FCC_NOFILE
	0x96c73a8d: ErrNoTicket,         // KRB5_CC_NOTFOUND (Heimdal also for an expired TGT)
	0x96c73ac7: ErrNoTicket,         // KRB5_CC_FORMAT
	0x96c73a8e: ErrNoTicket,         // KRB5_CC_END
	0x96c73a2c: ErrKeytabKeyVersion, // KRB5KRB_AP_ERR_BADKEYVER
	0x96c73ae6: ErrKeytabKeyVersion, // KRB5_KT_KVNONOTFOUND (MIT)
	0x96c73ab5: ErrKeytabNoKey,      // KRB5_KT_NOTFOUND
	0x96c73ab6: ErrKeytabNoKey,      // KRB5_KT_END (Heimdal: kvno not in the keytab)
	0x96c73a1f: ErrWrongKey,         // KRB5KRB_AP_ERR_BAD_INTEGRITY
	0x96c73a07: ErrServiceUnknown,   // KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN

	// SSPI's SEC_E codes, the minor status of sspi_windows errors; they
	// never collide with the krb5 table (0x96c73axx).
	0x80090311: ErrKDCUnreachable, // SEC_E_NO_AUTHENTICATING_AUTHORITY: no DC/KDC could be contacted
	0x80090324: ErrClockSkew,      // SEC_E_TIME_SKEW
	0x80090303: ErrServiceUnknown, // SEC_E_TARGET_UNKNOWN: no SPN for the target in the domain
}

// errnoENOENT is the minor status Heimdal's gss_init_sec_context passes up
// (with GSS_S_FAILURE) when the credential cache file does not exist; MIT
// reports KRB5_FCC_NOFILE instead.
const errnoENOENT = 2

// faultOf recognises a failure: the minor status first, then the rules
// that need the call or the major status as well.
func faultOf(op string, major Status, minor uint32, mech OID) *Fault {
	if f := krb5Faults[minor]; f != nil {
		return f
	}
	if !initiatorOp(op) || (mech != "" && !mech.IsKerberos()) {
		return nil
	}
	switch {
	case minor == errnoENOENT && major.Routine() == StatusFailure:
		// Heimdal: the ccache file is missing (ENOENT).
		return ErrNoTicket
	case major.Routine() == StatusCredentialsExpired:
		// The initiator's TGT has expired; MIT says so with this major
		// status before asking the KDC for anything.
		return ErrTicketExpired
	}
	return nil
}

// initiatorOp reports whether op is the call that starts an initiator
// context, the one that reads the credential cache (the acceptor's ENOENT
// or expired credential would mean something else).
func initiatorOp(op string) bool {
	return op == "gss_init_sec_context" || op == "InitializeSecurityContext"
}
