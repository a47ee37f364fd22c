// Package sspi is gssnego's Windows backend: gss.Provider over SSPI
// (secur32.dll) through github.com/alexbrainman/sspi. One context type
// serves every package: gss.MechKRB5/MechMSKRB5 use "Kerberos",
// gss.MechNTLMSSP "NTLM", gss.MechSPNEGO "Negotiate" (native SPNEGO).
//
// The implementation builds only for GOOS=windows; this file documents the
// package on every platform. See the README beside it for running the tests
// under Wine and on a domain-joined Windows host.
package sspi
