// Package negotiate mirrors github.com/alexbrainman/sspi/negotiate — the
// same functions, types, signatures and semantics — over gssnego, so a
// program written against the Windows-only package builds and runs on
// Linux and the BSDs (MIT or Heimdal GSSAPI) and on Windows (SSPI) alike.
// Underneath, gssnego's own SPNEGO engine (package
// github.com/gssnego/gssnego/negotiate) runs Kerberos and NTLM from the
// platform's provider and makes and checks the mechListMIC.
//
// Porting is a change of two import paths:
//
//	"github.com/alexbrainman/sspi"           → "github.com/gssnego/gssnego/compat/sspi"
//	"github.com/alexbrainman/sspi/negotiate" → "github.com/gssnego/gssnego/compat/sspi/negotiate"
//
// # Semantics kept
//
// NewClientContext returns the first token and fails if the exchange
// completed at once; NewServerContext and Update return authCompleted with
// the token to send (which may be non-empty when completed: send it), and
// fail on an empty token while unfinished. VerifyFlags compares the
// requested ISC_REQ_* bits with the granted ones. EncryptMessage returns
// one byte slice that DecryptMessage takes back: the GSS wrap token, which
// is what alexbrainman/sspi's TOKEN‖DATA‖PADDING concatenation is on
// Windows, so the two interoperate. qop SECQOP_WRAP_NO_ENCRYPT signs
// without encrypting.
//
// # Differences
//
//   - Errors are *sspi.Error values naming the call and carrying the
//     SEC_E_* code in Status; compare with errors.Is, not ==.
//   - ImpersonateUser and RevertToSelf have no meaning off Windows: they
//     fail with SEC_E_UNSUPPORTED_FUNCTION wrapping sspi.ErrNotSupported.
//     Use GetUsername.
//   - targetName must be an SPN; off Windows it is a case-sensitive
//     Kerberos principal name, and an empty one is refused.
//   - Off Windows the current user is the default credential cache
//     (KRB5CCNAME) and, for NTLM through gss-ntlmssp, NTLM_USER_FILE;
//     AcquireUserCredentials turns (domain, user) into user@DOMAIN.
//     On Windows explicit credentials serve Kerberos only.
//   - msg passed to EncryptMessage is not modified in place; seqno is not
//     used (the contexts are connection-oriented and number messages
//     themselves, as SSPI's Kerberos and NTLM do).
//   - Sizes comes from SSPI on Windows; elsewhere maxToken is 48256,
//     blockSize 1, the security trailer the wrap overhead, and maxSignature
//     the MIC size of the session enctype (40 when unknown).
//
// What was tested against which peer is in docs/compat.md.
package negotiate
