package mspac

import "time"

// GroupMembership is a group's relative identifier in a domain and its
// SE_GROUP_* attributes.
type GroupMembership struct {
	RID        uint32
	Attributes uint32
}

// SIDAndAttributes is an extra SID with its SE_GROUP_* attributes.
type SIDAndAttributes struct {
	SID        SID
	Attributes uint32
}

// LogonInfo is KERB_VALIDATION_INFO (MS-PAC 2.5): the account and the
// groups the KDC resolved for it.
type LogonInfo struct {
	LogonTime, LogoffTime, KickOffTime                     time.Time
	PasswordLastSet, PasswordCanChange, PasswordMustChange time.Time

	EffectiveName, FullName, LogonScript, ProfilePath string
	HomeDirectory, HomeDirectoryDrive                 string
	LogonCount, BadPasswordCount                      uint16

	UserID, PrimaryGroupID uint32
	Groups                 []GroupMembership // RIDs in LogonDomainSID
	UserFlags              uint32

	LogonServer, LogonDomainName string
	LogonDomainSID               SID
	UserAccountControl           uint32

	ExtraSIDs              []SIDAndAttributes
	ResourceGroupDomainSID SID
	ResourceGroups         []GroupMembership // RIDs in ResourceGroupDomainSID
}

// UserSID is the account's SID.
func (l *LogonInfo) UserSID() SID { return l.LogonDomainSID.WithRID(l.UserID) }

// PrimaryGroupSID is the account's primary group.
func (l *LogonInfo) PrimaryGroupSID() SID { return l.LogonDomainSID.WithRID(l.PrimaryGroupID) }

// GroupSIDs lists every group SID the PAC carries, each once: the
// domain's groups, then the extra SIDs, then the resource groups.
func (l *LogonInfo) GroupSIDs() []SID {
	out := make([]SID, 0, len(l.Groups)+len(l.ExtraSIDs)+len(l.ResourceGroups))
	seen := make(map[string]bool, cap(out))
	add := func(s SID) {
		k := s.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	for _, g := range l.Groups {
		add(l.LogonDomainSID.WithRID(g.RID))
	}
	for _, e := range l.ExtraSIDs {
		add(e.SID)
	}
	if !l.ResourceGroupDomainSID.IsZero() {
		for _, g := range l.ResourceGroups {
			add(l.ResourceGroupDomainSID.WithRID(g.RID))
		}
	}
	return out
}

const bufLogonInfo = "KERB_VALIDATION_INFO"

// headers reads the type serialization headers (MS-RPCE 2.2.6.1/2.2.6.2)
// and the top-level referent, checking the object buffer length against
// the bytes present.
func (r *ndr) headers() {
	if v, e := r.u8("common header Version"), r.u8("common header Endianness"); r.ok() && (v != 1 || e != 0x10) {
		r.off -= 2
		r.fail("NDR common header version %d endianness %#x, want 1 and 0x10 (little-endian)", v, e)
		return
	}
	if n := r.u16("common header length"); r.ok() && n != 8 {
		r.off -= 2
		r.fail("NDR common header length %d, want 8", n)
		return
	}
	r.u32("common header filler")
	n := r.u32("private header ObjectBufferLength")
	r.u32("private header filler")
	if !r.ok() {
		return
	}
	if int64(n) > int64(len(r.b)-r.off) {
		r.off -= 8
		r.fail("NDR object buffer length %d, %d bytes left", n, len(r.b)-r.off-8)
		return
	}
	if p := r.u32("top-level referent"); r.ok() && p == 0 {
		r.off -= 4
		r.fail("null top-level pointer")
	}
}

// parseLogonInfo decodes a KERB_VALIDATION_INFO buffer found at base.
func parseLogonInfo(b []byte, base int) (*LogonInfo, error) {
	r := &ndr{b: b, name: bufLogonInfo, base: base}
	r.headers()
	l := &LogonInfo{}
	l.LogonTime = r.filetime("LogonTime")
	l.LogoffTime = r.filetime("LogoffTime")
	l.KickOffTime = r.filetime("KickOffTime")
	l.PasswordLastSet = r.filetime("PasswordLastSet")
	l.PasswordCanChange = r.filetime("PasswordCanChange")
	l.PasswordMustChange = r.filetime("PasswordMustChange")
	var strs [6]unicodeString
	names := [6]string{"EffectiveName", "FullName", "LogonScript", "ProfilePath", "HomeDirectory", "HomeDirectoryDrive"}
	for i := range strs {
		strs[i] = r.unicodeString(names[i])
	}
	l.LogonCount = r.u16("LogonCount")
	l.BadPasswordCount = r.u16("BadPasswordCount")
	l.UserID = r.u32("UserId")
	l.PrimaryGroupID = r.u32("PrimaryGroupId")
	groupCount := r.u32("GroupCount")
	groupPtr := r.u32("GroupIds")
	l.UserFlags = r.u32("UserFlags")
	r.bytes(16, "UserSessionKey")
	server := r.unicodeString("LogonServer")
	domain := r.unicodeString("LogonDomainName")
	domainPtr := r.u32("LogonDomainId")
	r.u32("Reserved1[0]")
	r.u32("Reserved1[1]")
	l.UserAccountControl = r.u32("UserAccountControl")
	r.u32("SubAuthStatus")
	r.filetime("LastSuccessfulILogon")
	r.filetime("LastFailedILogon")
	r.u32("FailedILogonCount")
	r.u32("Reserved3")
	sidCount := r.u32("SidCount")
	extraPtr := r.u32("ExtraSids")
	resDomainPtr := r.u32("ResourceGroupDomainSid")
	resCount := r.u32("ResourceGroupCount")
	resPtr := r.u32("ResourceGroupIds")

	// Deferred pointees, in the order of their pointers.
	out := [6]*string{&l.EffectiveName, &l.FullName, &l.LogonScript, &l.ProfilePath, &l.HomeDirectory, &l.HomeDirectoryDrive}
	for i := range strs {
		*out[i] = r.deferredString(strs[i], names[i])
	}
	l.Groups = r.groups(groupPtr, groupCount, "GroupIds")
	l.LogonServer = r.deferredString(server, "LogonServer")
	l.LogonDomainName = r.deferredString(domain, "LogonDomainName")
	if domainPtr != 0 {
		l.LogonDomainSID = r.sid("LogonDomainId")
	} else if r.ok() {
		r.fail("LogonDomainId is null")
	}
	if extraPtr != 0 {
		n := r.count(sidCount, 8, "ExtraSids")
		ptrs := make([]uint32, n)
		l.ExtraSIDs = make([]SIDAndAttributes, n)
		for i := range n {
			ptrs[i] = r.u32("ExtraSids[].Sid")
			l.ExtraSIDs[i].Attributes = r.u32("ExtraSids[].Attributes")
		}
		for i := range n {
			if ptrs[i] == 0 {
				r.fail("ExtraSids[%d] is a null SID", i)
				break
			}
			l.ExtraSIDs[i].SID = r.sid("ExtraSids[].Sid")
		}
	} else if sidCount != 0 && r.ok() {
		r.fail("SidCount %d with null ExtraSids", sidCount)
	}
	if resDomainPtr != 0 {
		l.ResourceGroupDomainSID = r.sid("ResourceGroupDomainSid")
	}
	l.ResourceGroups = r.groups(resPtr, resCount, "ResourceGroupIds")
	if r.err != nil {
		return nil, r.err
	}
	return l, nil
}

// groups reads a deferred GROUP_MEMBERSHIP array.
func (r *ndr) groups(ptr, count uint32, what string) []GroupMembership {
	if ptr == 0 {
		if count != 0 {
			r.fail("%s: count %d with a null pointer", what, count)
		}
		return nil
	}
	n := r.count(count, 8, what)
	g := make([]GroupMembership, n)
	for i := range g {
		g[i].RID = r.u32(what + "[].RelativeId")
		g[i].Attributes = r.u32(what + "[].Attributes")
	}
	return g
}
