// Package mspac decodes the Privilege Attribute Certificate (MS-PAC) an
// Active Directory KDC puts in a Kerberos ticket: who the client is (user
// SID, logon name and domain, UPN), the group SIDs the KDC resolved for it
// (nesting expanded, extra SIDs, resource groups), and the signatures that
// bind it to the service's key and the KDC's.
//
// It is not about proxy auto-config ("PAC files").
//
// Parse reads the PACTYPE and every buffer it understands; nothing is
// trusted until the server signature is verified with the service's key
// (VerifyServerSignature), which is what a service can check. The KDC
// signature needs the krbtgt key and is the KDC's to check.
//
//	p, err := mspac.Parse(adWin2kPAC)        // the AD-WIN2K-PAC element's bytes
//	if err != nil { … }                      // *mspac.Error: buffer and offset
//	if err := p.VerifyServerSignature(etype, serviceKey); err != nil { … }
//	for _, sid := range p.LogonInfo.GroupSIDs() { … }
//
// Every length and count is checked against the bytes present before it is
// used: a malformed PAC is an *Error naming the buffer and the byte offset
// in the PAC, never a panic or an allocation sized by the input alone.
// Buffers alias the input (Raw, Buffer.Data); strings and SIDs are copies.
package mspac
