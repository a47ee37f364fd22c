// Package sspi is gssnego's Windows backend: gss.Provider over SSPI
// (secur32.dll), with the system calls from github.com/alexbrainman/sspi and
// golang.org/x/sys/windows. Unlike alexbrainman/sspi, which repeats the
// context code in one package per security package, one SecContext type
// serves them all:
//
//	gss.MechKRB5, gss.MechMSKRB5  → "Kerberos"
//	gss.MechNTLMSSP               → "NTLM"
//	gss.MechSPNEGO                → "Negotiate" (native SPNEGO)
//
// Importing the package registers the provider (gss.RegisterProvider), so
// gss.Default returns it; github.com/gssnego/gssnego/platform does that for
// Windows builds. A minimal initiator:
//
//	p := sspi.New()
//	target, _ := p.ImportName("HTTP@www.example.com", gss.NameHostBasedService) // SPN HTTP/www.example.com
//	ctx, _ := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual|gss.FlagInteg))
//	out, err := ctx.Continue(nil) // send out, feed replies until !ctx.ContinueNeeded()
//
// # Mapping
//
// GSS flags map to ISC_REQ_*/ASC_REQ_* and back from ISC_RET_*/ASC_RET_*
// (mapping.go). SSPI codes map onto the gss sentinels (status.go): the code
// stays in gss.Error.Minor, its name and FormatMessage's text in Message,
// and the SSPI call in Op. SEC_E_OUT_OF_SEQUENCE sets both the
// unsequenced and the gap supplementary bits (SSPI does not say which), so
// it is not a routine error but is never success either. A host-based name
// "service@host" becomes the SPN "service/host"; Kerberos principals and
// user names are passed unchanged. Channel bindings travel as a
// SECBUFFER_CHANNEL_BINDINGS buffer holding SEC_CHANNEL_BINDINGS.
//
// Per-message calls: GetMIC and VerifyMIC are MakeSignature and
// VerifySignature (RFC 4121 MIC tokens for Kerberos with AES). Wrap and
// Unwrap produce and consume the standard GSS wrap token; on Windows Wrap
// calls EncryptMessage over TOKEN, DATA and PADDING buffers and joins them,
// and Unwrap calls DecryptMessage over SECBUFFER_STREAM. EncryptMessage and
// DecryptMessage (methods of SecContext) expose the two-buffer
// [trailer][ciphertext] form of the MSDN "SSPI with Windows Sockets" sample.
// SSPI has no keytab, ccache or context export: asking for them is
// gss.ErrUnavailable.
//
// Delegation (delegation_windows.go, docs/delegation.md): gss.FlagDeleg and
// gss.FlagDelegPolicy both become ISC_REQ_DELEGATE, which Windows honours
// only for services trusted for delegation. An acceptor's
// DelegatedCredential impersonates the context and acquires an outbound
// handle for the client's logon session (not verifiable under Wine 8.0,
// whose ImpersonateSecurityContext is SEC_E_UNSUPPORTED_FUNCTION).
// Storing into a ccache and S4U (LsaLogonUser with KERB_S4U_LOGON) are not
// implemented: gss.ErrUnavailable.
//
// An acceptor started without a credential accepts any mechanism, as a GSS
// acceptor does: its first token picks the package (NTLMSSP → NTLM, framed
// SPNEGO → Negotiate, else Kerberos). That is what the Go SPNEGO engine
// (package negotiate) needs, and TestInteropEngineOverSSPISeedScenario runs
// the engine over this provider, mechListMICs from MakeSignature included.
//
// # Wine
//
// The tests run under Wine 8.0 (ci/wine.sh) against a throwaway MIT realm
// started on the Linux side (internal/wine). Wine's Kerberos package is a
// thin layer over the host's MIT libraries, which read KRB5CCNAME,
// KRB5_CONFIG and KRB5_KTNAME from the Unix environment of the Wine
// process. What was observed there, and the test that shows it:
//
//   - Kerberos with mutual authentication works; the granted flags are
//     mutual|replay|sequence|conf|integ (TestKerberosHandshakeMutual).
//     SPNs are case-sensitive: host/localhost, not HOST/localhost.
//   - MakeSignature/VerifySignature make and check RFC 4121 MIC tokens for
//     every lab etype (aes128, aes256, aes256-sha384, rc4 tickets), because
//     MIT's acceptor subkey is aes256-cts-hmac-sha1-96 whenever both sides
//     allow it (TestKerberosEtypes). With every key limited to one etype
//     (the runner's extra passes) RC4 gives 37-octet RFC 4757 MIC tokens
//     (60 23 … 01 01 11 00) and RFC 4757 wrap tokens, aes256-sha384 40-octet
//     MIC tokens (TestKerberosSingleEtype). Wine finds buffers by their
//     exact type, so a SECBUFFER_DATA|SECBUFFER_READONLY buffer makes
//     MakeSignature fail with SEC_E_INVALID_TOKEN; this package passes a
//     copy instead. Wine reports cbMaxSignature 37 but copies the whole
//     gss_get_mic token into the TOKEN buffer without checking its size
//     (40 octets for aes256-sha384), so under Wine the buffer is 128 octets.
//   - EncryptMessage runs gss_wrap and puts the first len(DATA) bytes of
//     the token into DATA and the rest into TOKEN, which must hold the whole
//     overhead (60 octets for aes-sha1, 72 for aes256-sha384) although
//     SECPKG_ATTR_SIZES says cbSecurityTrailer is 49.
//     DecryptMessage joins DATA‖TOKEN, runs gss_unwrap and copies exactly
//     len(DATA) bytes of plaintext back, so DATA must be as long as the
//     plaintext; it rejects SECBUFFER_STREAM with SEC_E_INVALID_TOKEN
//     (TestWineStreamDecrypt). Under Wine, Wrap therefore returns DATA‖TOKEN and Unwrap
//     computes the plaintext length from the token header (wrapsplit.go).
//     For a sealed RFC 4121 token that needs the checksum length, which
//     Wine cannot tell (no SECPKG_ATTR_KEY_INFO): it is learnt from the MIC
//     tokens the context made or verified and the sealed tokens it made,
//     and is assumed to be 12 octets (aes-sha1) before that. An
//     aes-sha2-keyed context that unwraps before any MIC or wrap of its own
//     therefore gets a wrong length under Wine; exchange the mechListMIC (or
//     any MIC) first, as SPNEGO does (TestEncryptMessageTwoBuffers,
//     TestKerberosSingleEtype). The two-buffer form is consequently not
//     Windows' layout under Wine.
//   - QueryContextAttributes answers only SECPKG_ATTR_SIZES (cbMaxToken
//     12000, cbMaxSignature 37, cbBlockSize 1, cbSecurityTrailer 49) and
//     SECPKG_ATTR_NEGOTIATION_INFO; NAMES, NATIVE_NAMES, LIFESPAN,
//     KEY_INFO, SESSION_KEY, PACKAGE_INFO and FLAGS return
//     SEC_E_UNSUPPORTED_FUNCTION (TestWineContextAttributes). Inquire then
//     reports no names and gss.EnctypeUnknown with a SessionKeyNote naming
//     Wine. QueryCredentialsAttributes gives no name either: Credential
//     Inquire reports the name it was acquired for (TestCredentialInquire).
//   - "Negotiate" hands out the Kerberos package's GSS-framed AP-REQ with
//     no SPNEGO around it; SECPKG_ATTR_NEGOTIATION_INFO names Kerberos
//     (TestNegotiateHandshake).
//   - NTLM makes an initiator token (through Samba's ntlm_auth) but cannot
//     accept without a domain: SEC_E_LOGON_DENIED (TestNTLMHandshake).
//   - Channel bindings are dropped (GSS_C_NO_CHANNEL_BINDINGS is passed to
//     MIT), so a mismatch goes unnoticed (TestKerberosChannelBindings).
//   - Error codes differ from Windows: an unknown SPN, a ticket the keytab
//     has no key for, a ticket for another acceptor principal and a
//     corrupted or truncated AP-REQ all give SEC_E_INTERNAL_ERROR
//     (gss.ErrFailure); a token for another mechanism SEC_E_SECPKG_NOT_FOUND
//     (gss.ErrBadMech); no credential cache SEC_E_NO_CREDENTIALS from
//     AcquireCredentialsHandle; a wrong password STATUS_UNSUCCESSFUL from
//     AcquireCredentialsHandle (Wine runs kinit there, into the default
//     cache); a gap SEC_E_OUT_OF_SEQUENCE; a replayed MIC
//     SEC_E_INVALID_TOKEN; an altered message SEC_E_MESSAGE_ALTERED
//     (TestKerberosUnknownSPN, TestKerberosStaleKeytab,
//     TestKerberosAcceptorCredentialForPrincipal, TestKerberosDefectiveToken,
//     TestKerberosNoCCache, TestKerberosExplicitPassword,
//     TestKerberosOutOfSequenceMIC, TestKerberosTamperedMIC). FormatMessage
//     has no text for SEC_E_* codes, so Message holds only the code's name.
//   - The Go SPNEGO engine works over Wine's Kerberos package: one round
//     trip with the optimistic token, and the five-token exchange with
//     mechListMICs both ways when the initiator holds the token back. Without
//     SECPKG_ATTR_KEY_INFO the acceptor cannot tell the enctype before the
//     MIC exchange, so the engine's acceptor decides on rule
//     extra-leg-enctype-unknown (TestInteropEngineOverSSPIOptimistic,
//     TestInteropEngineOverSSPISeedScenario).
//   - The KRB5_* variables cannot be changed from inside the process:
//     os.Setenv changes the Windows environment block, not the Unix one MIT
//     reads, and child processes inherit the Unix one. TestKerberosNoCCache
//     hides the cache file through drive Z: instead.
//
// What Wine cannot do is skipped with t.Skipf naming Wine and its version
// (IsWine detects it through ntdll.dll's wine_get_version). These are
// platform limitations, not missing lab parts, so they do not go through
// internal/lab: GSSNEGO_REQUIRE_LAB=1 turns a missing realm into a failure
// but leaves them skipped, and on Windows the same tests run in full. See
// README.md for running the suite on a domain-joined Windows host.
package sspi
