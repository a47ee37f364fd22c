// Package kerberos is a Kerberos V5 GSS mechanism (RFC 4121) in pure Go: a
// gss.Provider that needs no cgo and no Kerberos library, so gssnego built
// with CGO_ENABLED=0 authenticates on Linux and macOS, and a cgo build can
// use it explicitly (NewProvider) instead of the native library. The SPNEGO
// engine (package negotiate) runs over it unchanged, mechListMIC policy
// included.
//
//	p := kerberos.NewProvider()
//	target, _ := p.ImportName("HTTP@www.example.com", gss.NameHostBasedService)
//	client, _ := negotiate.NewClient(target, negotiate.Config{Provider: p})
//
// # What it does
//
// Initiator: a TGT from a FILE ccache written by MIT's kinit (KRB5CCNAME or
// gss.WithCCache; gss.StoreCredential writes one), from a client keytab (gss.WithClientKeytab) or a
// password (gss.WithPassword; AS exchange with PA-ENC-TIMESTAMP and the
// salt of PA-ETYPE-INFO2); krb5.conf from KRB5_CONFIG, read again when it
// or the file changes, as MIT reads it per call (default_realm,
// domain_realm, the realms' kdc entries, clockskew, the enctype lists,
// udp_preference_limit); a TGS exchange for the target, host-based names
// "service@host" mapped to service/host@REALM by domain_realm, else to
// the client's realm (where MIT's referral realm asks first); service
// tickets kept in memory with the credential. Cross-realm: a TGT for the
// target realm got through the KDCs' answers (a direct trust, or transit
// by the KDCs' capaths or realm hierarchy, as in an AD forest), and
// referrals followed (the service request sets canonicalize; a KDC that
// knows the host is elsewhere answers with a TGT for that realm). A realm
// without kdc entries is located by its _kerberos._udp/_tcp SRV records
// when dns_lookup_kdc holds (MIT's default), through the resolver set with
// Provider.SetResolver or net.DefaultResolver. KDC
// traffic goes over UDP (when the request fits udp_preference_limit) and
// TCP (as fallback and on KRB_ERR_RESPONSE_TOO_BIG), each wait bounded by a
// context: AcquireCredentialContext, and the context's ContinueContext
// method, return at the deadline with an error that matches both
// gss.ErrKDCUnreachable and context.DeadlineExceeded.
//
// AP-REQ with the GSS checksum 0x8003 (flags, channel-binding hash), an
// initiator subkey and a sequence number; with mutual authentication the
// AP-REP is decrypted and checked against the authenticator, and the
// acceptor subkey taken.
//
// Acceptor: the keytab (gss.WithKeytab, KRB5_KTNAME, default_keytab_name)
// is read into memory once, and again only when the file changes (a key
// rotation needs no restart); any principal and key version of the keytab
// is accepted by default. The ticket and the authenticator are decrypted
// and checked (ticket times and the authenticator time within clockskew,
// client names, the 0x8003 checksum, channel bindings when both sides
// have them), an in-memory replay cache keyed on the authenticator
// ciphertext refuses a second use, and an AP-REP with an acceptor subkey
// answers when mutual authentication was asked. A failed AP-REQ is
// answered with a KRB-ERROR token, so the initiator sees the cause
// (gss.ErrClockSkew, gss.ErrWrongKey, …) as with MIT.
//
// RFC 4537 enctype negotiation both ways, as MIT: the initiator lists
// krb5.conf's permitted enctypes in the authenticator and the acceptor
// makes its subkey of the first it permits (aes256-cts-hmac-sha1-96 for any
// AES or RC4 ticket with the default lists).
//
// Delegation: gss.FlagDeleg (always) or gss.FlagDelegPolicy (when the
// service ticket is ok-as-delegate) get a forwarded TGT and send it as
// KRB-CRED in the 0x8003 checksum; the acceptor hands it over through
// gss.Delegated as an initiator credential.
//
// Per-message: GetMIC, VerifyMIC, Wrap and Unwrap as RFC 4121 (CFX) tokens
// for aes128/aes256-cts-hmac-sha1-96 and aes128-cts-hmac-sha256-128 /
// aes256-cts-hmac-sha384-192, with the acceptor-subkey flag, RRC rotation
// undone on receipt, and sequence numbers (a replayed or old token is
// refused when replay or sequence detection was granted); RFC 4757 tokens
// for rc4-hmac keys.
//
// Errors are *gss.Error values with the krb5 minor statuses MIT reports,
// so the gss faults (gss.ErrNoTicket, gss.ErrKDCUnreachable,
// gss.ErrClockSkew, gss.ErrKeytabKeyVersion, gss.ErrWrongKey, …) and
// gss.KDCError codes match as docs/errors.md describes.
//
// # Not built yet
//
// KCM/KEYRING/DIR ccaches, FAST, PKINIT, S4U, PAC verification, context
// export/import, DCE-style contexts, IOV wrap layouts, NTLM, and SPNEGO as a
// provider mechanism (the negotiate engine does SPNEGO). docs/purego.md
// keeps the list.
//
// # What is gokrb5's and what is ours
//
// From github.com/jcmturner/gokrb5/v8 (v8.4.4) we take what it does well
// and what would be crypto written by hand otherwise: the RFC 3961/3962/8009
// encryption and checksum profiles (crypto), string-to-key, the keytab and
// ccache file formats, krb5.conf parsing (config), and the KDC messages
// (AS-REQ/TGS-REQ construction, AS-REP/TGS-REP/KRB-ERROR/Ticket/
// Authenticator/AP-REQ encoding). Its decoders panic on some malformed
// input, so every call into them on untrusted bytes is guarded.
//
// Ours, on golang.org/x/crypto/cryptobyte (the RFC 2743 token framing is
// gss's one ParseFraming/AppendFraming, shared with every backend): the
// 0x8003 checksum and channel-binding hash, AP-REP building and parsing
// (gokrb5 cannot build one: its SPNEGO service never sends it), the RFC
// 4121 MIC and wrap tokens (gokrb5's gssapi package lacks acceptor-subkey
// selection on receipt, RRC and sequence checks) and the RFC 4757 ones
// (gokrb5 has none), KRB-CRED building, RFC 4537 authorization data, the
// FILE ccache reader (gokrb5's sizes allocations from unchecked counts: a
// corrupt 200-byte cache asks for gigabytes), the KDC transport (for
// context deadlines, krb5.conf KDC order, and typed errors: gokrb5's
// client flattens KDC errors into strings and dials with fixed timeouts),
// the AS/TGS exchanges around gokrb5's messages (its client adds its own
// pre-authentication and PAC handling we do not want), the replay cache,
// and the enctype key sizes (gokrb5 gives 24 bytes for
// aes256-cts-hmac-sha384-192, whose keys are 32).
//
// Only programs that import this package compile gokrb5: the cgo build of
// package platform does not import it.
package kerberos
