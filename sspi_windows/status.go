package sspi

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// SECURITY_STATUS values (winerror.h) that the mapping names. Wine also
// returns NTSTATUS codes from its Kerberos package (STATUS_*).
const (
	secEOK                          = 0x00000000
	secIContinueNeeded              = 0x00090312
	secICompleteNeeded              = 0x00090313
	secICompleteAndContinue         = 0x00090314
	secIIncompleteCredentials       = 0x00090320
	secEInsufficientMemory          = 0x80090300
	secEInvalidHandle               = 0x80090301
	secEUnsupportedFunction         = 0x80090302
	secETargetUnknown               = 0x80090303
	secEInternalError               = 0x80090304
	secESecpkgNotFound              = 0x80090305
	secENotOwner                    = 0x80090306
	secEInvalidToken                = 0x80090308
	secEQOPNotSupported             = 0x8009030A
	secENoImpersonation             = 0x8009030B
	secELogonDenied                 = 0x8009030C
	secEUnknownCredentials          = 0x8009030D
	secENoCredentials               = 0x8009030E
	secEMessageAltered              = 0x8009030F
	secEOutOfSequence               = 0x80090310
	secENoAuthenticatingAuthority   = 0x80090311
	secEBadPkgID                    = 0x80090316
	secEContextExpired              = 0x80090317
	secEIncompleteMessage           = 0x80090318
	secEIncompleteCredentials       = 0x80090320
	secEBufferTooSmall              = 0x80090321
	secEWrongPrincipal              = 0x80090322
	secETimeSkew                    = 0x80090324
	secEIllegalMessage              = 0x80090326
	secEDecryptFailure              = 0x80090330
	secEAlgorithmMismatch           = 0x80090331
	secEUnfinishedContextDeleted    = 0x80090333
	secENoTGTReply                  = 0x80090334
	secEWrongCredentialHandle       = 0x80090336
	secECryptoSystemInvalid         = 0x80090337
	secEKDCUnknownEtype             = 0x80090342
	secEBadBindings                 = 0x80090346
	secENoKerbKey                   = 0x80090348
	secEDowngradeDetected           = 0x80090350
	secEInvalidParameter            = 0x8009035D
	secENoContext                   = 0x80090361
	secEMutualAuthFailed            = 0x80090363
	statusUnsuccessful              = 0xC0000001
	statusNotImplemented            = 0xC0000002
	statusInvalidParameter          = 0xC000000D
	statusAccessDenied              = 0xC0000022
	statusBufferTooSmall            = 0xC0000023
	statusLogonFailure              = 0xC000006D
	statusDLLNotFound               = 0xC0000135
	statusWrongPassword             = 0xC000006A
	secEApplicationProtocolMismatch = 0x80090367
)

// statusInfo is what the mapping knows about one code.
type statusInfo struct {
	name  string
	major gss.Status
}

var statusTable = map[uint32]statusInfo{
	secEOK:                          {"SEC_E_OK", gss.StatusComplete},
	secIContinueNeeded:              {"SEC_I_CONTINUE_NEEDED", gss.StatusContinueNeeded},
	secICompleteNeeded:              {"SEC_I_COMPLETE_NEEDED", gss.StatusComplete},
	secICompleteAndContinue:         {"SEC_I_COMPLETE_AND_CONTINUE", gss.StatusContinueNeeded},
	secIIncompleteCredentials:       {"SEC_I_INCOMPLETE_CREDENTIALS", gss.StatusNoCred},
	secEInsufficientMemory:          {"SEC_E_INSUFFICIENT_MEMORY", gss.StatusFailure},
	secEInvalidHandle:               {"SEC_E_INVALID_HANDLE", gss.StatusNoContext},
	secEUnsupportedFunction:         {"SEC_E_UNSUPPORTED_FUNCTION", gss.StatusUnavailable},
	secETargetUnknown:               {"SEC_E_TARGET_UNKNOWN", gss.StatusBadName},
	secEInternalError:               {"SEC_E_INTERNAL_ERROR", gss.StatusFailure},
	secESecpkgNotFound:              {"SEC_E_SECPKG_NOT_FOUND", gss.StatusBadMech},
	secENotOwner:                    {"SEC_E_NOT_OWNER", gss.StatusNoCred},
	secEInvalidToken:                {"SEC_E_INVALID_TOKEN", gss.StatusDefectiveToken},
	secEQOPNotSupported:             {"SEC_E_QOP_NOT_SUPPORTED", gss.StatusBadQOP},
	secENoImpersonation:             {"SEC_E_NO_IMPERSONATION", gss.StatusUnavailable},
	secELogonDenied:                 {"SEC_E_LOGON_DENIED", gss.StatusFailure},
	secEUnknownCredentials:          {"SEC_E_UNKNOWN_CREDENTIALS", gss.StatusNoCred},
	secENoCredentials:               {"SEC_E_NO_CREDENTIALS", gss.StatusNoCred},
	secEMessageAltered:              {"SEC_E_MESSAGE_ALTERED", gss.StatusBadMIC},
	secEOutOfSequence:               {"SEC_E_OUT_OF_SEQUENCE", gss.StatusUnseqToken | gss.StatusGapToken},
	secENoAuthenticatingAuthority:   {"SEC_E_NO_AUTHENTICATING_AUTHORITY", gss.StatusFailure},
	secEBadPkgID:                    {"SEC_E_BAD_PKGID", gss.StatusBadMech},
	secEContextExpired:              {"SEC_E_CONTEXT_EXPIRED", gss.StatusContextExpired},
	secEIncompleteMessage:           {"SEC_E_INCOMPLETE_MESSAGE", gss.StatusDefectiveToken},
	secEIncompleteCredentials:       {"SEC_E_INCOMPLETE_CREDENTIALS", gss.StatusDefectiveCredential},
	secEBufferTooSmall:              {"SEC_E_BUFFER_TOO_SMALL", gss.StatusFailure},
	secEWrongPrincipal:              {"SEC_E_WRONG_PRINCIPAL", gss.StatusBadName},
	secETimeSkew:                    {"SEC_E_TIME_SKEW", gss.StatusFailure},
	secEIllegalMessage:              {"SEC_E_ILLEGAL_MESSAGE", gss.StatusDefectiveToken},
	secEDecryptFailure:              {"SEC_E_DECRYPT_FAILURE", gss.StatusBadMIC},
	secEAlgorithmMismatch:           {"SEC_E_ALGORITHM_MISMATCH", gss.StatusFailure},
	secEUnfinishedContextDeleted:    {"SEC_E_UNFINISHED_CONTEXT_DELETED", gss.StatusNoContext},
	secENoTGTReply:                  {"SEC_E_NO_TGT_REPLY", gss.StatusNoCred},
	secEWrongCredentialHandle:       {"SEC_E_WRONG_CREDENTIAL_HANDLE", gss.StatusNoCred},
	secECryptoSystemInvalid:         {"SEC_E_CRYPTO_SYSTEM_INVALID", gss.StatusFailure},
	secEKDCUnknownEtype:             {"SEC_E_KDC_UNKNOWN_ETYPE", gss.StatusFailure},
	secEBadBindings:                 {"SEC_E_BAD_BINDINGS", gss.StatusBadBindings},
	secENoKerbKey:                   {"SEC_E_NO_KERB_KEY", gss.StatusNoCred},
	secEDowngradeDetected:           {"SEC_E_DOWNGRADE_DETECTED", gss.StatusFailure},
	secEInvalidParameter:            {"SEC_E_INVALID_PARAMETER", gss.StatusFailure},
	secENoContext:                   {"SEC_E_NO_CONTEXT", gss.StatusNoContext},
	secEMutualAuthFailed:            {"SEC_E_MUTUAL_AUTH_FAILED", gss.StatusFailure},
	secEApplicationProtocolMismatch: {"SEC_E_APPLICATION_PROTOCOL_MISMATCH", gss.StatusFailure},
	statusUnsuccessful:              {"STATUS_UNSUCCESSFUL", gss.StatusFailure},
	statusNotImplemented:            {"STATUS_NOT_IMPLEMENTED", gss.StatusUnavailable},
	statusInvalidParameter:          {"STATUS_INVALID_PARAMETER", gss.StatusFailure},
	statusAccessDenied:              {"STATUS_ACCESS_DENIED", gss.StatusFailure},
	statusBufferTooSmall:            {"STATUS_BUFFER_TOO_SMALL", gss.StatusFailure},
	statusLogonFailure:              {"STATUS_LOGON_FAILURE", gss.StatusFailure},
	statusWrongPassword:             {"STATUS_WRONG_PASSWORD", gss.StatusFailure},
	statusDLLNotFound:               {"STATUS_DLL_NOT_FOUND", gss.StatusUnavailable},
}

// Names of the SSPI calls, used as gss.Error.Op.
const (
	opAcquireCredentialsHandle  = "AcquireCredentialsHandle"
	opInitializeSecurityContext = "InitializeSecurityContext"
	opAcceptSecurityContext     = "AcceptSecurityContext"
	opCompleteAuthToken         = "CompleteAuthToken"
	opQueryContextAttributes    = "QueryContextAttributes"
	opMakeSignature             = "MakeSignature"
	opVerifySignature           = "VerifySignature"
	opEncryptMessage            = "EncryptMessage"
	opDecryptMessage            = "DecryptMessage"
	opDeleteSecurityContext     = "DeleteSecurityContext"
	opFreeCredentialsHandle     = "FreeCredentialsHandle"
	opQuerySecurityPackageInfo  = "QuerySecurityPackageInfo"
)

// statusName returns the symbolic name of an SSPI code, or its hex form.
func statusName(code uint32) string {
	if s, ok := statusTable[code]; ok {
		return s.name
	}
	return fmt.Sprintf("0x%08X", code)
}

// majorFor maps an SSPI code returned by op to a GSS major status. A
// logon failure means "no usable credentials" to the side that acquires or
// uses them (the initiator) and a plain failure to an acceptor, whose
// credentials are fine but whose peer was refused. Codes the table does not
// know are failures (GSS_S_FAILURE), as are all NTSTATUS error codes.
func majorFor(op string, code uint32) gss.Status {
	if code == secELogonDenied && (op == opAcquireCredentialsHandle || op == opInitializeSecurityContext) {
		return gss.StatusNoCred
	}
	if s, ok := statusTable[code]; ok {
		return s.major
	}
	if code&0x80000000 == 0 { // success and informational codes
		return gss.StatusComplete
	}
	return gss.StatusFailure
}

// isSuccess reports whether code is SEC_E_OK or a SEC_I_* informational code.
func isSuccess(code uint32) bool { return code&0x80000000 == 0 }
