package sspi

import (
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/gssnego/gssnego/gss"
)

var procQuerySecurityContextToken = modsecur32.NewProc("QuerySecurityContextToken")

var _ gss.AuthzInquirer = (*SecContext)(nil)

// InquireAuthz implements gss.AuthzInquirer from the access token Windows
// built for the client (QuerySecurityContextToken, then
// GetTokenInformation TokenUser, TokenPrimaryGroup and TokenGroups). The
// LSA built it from the PAC it verified (Kerberos) or from the DC's answer
// (NTLM), so Verified is true. Unlike a PAC, the token's groups also hold
// the machine's own additions (BUILTIN groups, Everyone, Authenticated
// Users, NETWORK, the integrity level); the logon-session SID is left out.
// UPN, DNS domain and the UAC flags are not in a token: they stay empty.
func (c *SecContext) InquireAuthz() (*gss.AuthzData, error) {
	const op = "QuerySecurityContextToken"
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil || !c.h.valid {
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "sspi: no security context")
	}
	if c.initiator || !c.established {
		return nil, gss.NewError(op, gss.StatusNoContext, 0, c.mech, "sspi: authorization data exists only on an established acceptor")
	}
	var tok windows.Token
	r, _, _ := procQuerySecurityContextToken.Call(uintptr(unsafe.Pointer(&c.h.h)), uintptr(unsafe.Pointer(&tok)))
	if r != 0 {
		return nil, gss.NewError(op, gss.StatusUnavailable, uint32(r), c.mech, "sspi: QuerySecurityContextToken: "+windows.Errno(r).Error())
	}
	defer tok.Close()
	user, err := tok.GetTokenUser()
	if err != nil {
		return nil, gss.NewError("GetTokenInformation(TokenUser)", gss.StatusFailure, 0, c.mech, "sspi: "+err.Error())
	}
	groups, err := tok.GetTokenGroups()
	if err != nil {
		return nil, gss.NewError("GetTokenInformation(TokenGroups)", gss.StatusFailure, 0, c.mech, "sspi: "+err.Error())
	}
	a := &gss.AuthzData{
		UserSID: user.User.Sid.String(), Verified: true,
		VerifiedBy: "Windows LSA (the context's access token)",
		Source:     "SSPI QuerySecurityContextToken + GetTokenInformation",
	}
	if pg, err := tok.GetTokenPrimaryGroup(); err == nil {
		a.PrimaryGroupSID = pg.PrimaryGroup.String()
	}
	for _, g := range groups.AllGroups() {
		if g.Attributes&windows.SE_GROUP_LOGON_ID == windows.SE_GROUP_LOGON_ID {
			continue
		}
		a.GroupSIDs = append(a.GroupSIDs, g.Sid.String())
	}
	if name, domain, _, err := user.User.Sid.LookupAccount(""); err == nil {
		a.LogonName, a.LogonDomain = name, domain
	}
	return a, nil
}
