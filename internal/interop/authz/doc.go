// Package authz tests what every backend reports about an AD client
// (gss.InquireAuthz: the PAC's user, groups and UPN, and who verified it)
// against a Samba AD DC, with Samba's own tokenGroups of each user as the
// independent answer.
package authz
