package mspac

import (
	"testing"
)

// bigPAC is a PAC whose KERB_VALIDATION_INFO lists n groups (and a UPN,
// client info and both signatures): 5900 is near the largest a Windows
// token can hold, where the ticket no longer fits a 64 KB header.
func bigPAC(n int) []byte {
	dom, _ := ParseSID("S-1-5-21-3579408728-1233798939-2685371545")
	l := &LogonInfo{EffectiveName: "pac5900", LogonServer: "DC1", LogonDomainName: "SAMDOM",
		UserID: 1104, PrimaryGroupID: 513, LogonDomainSID: dom, UserAccountControl: 0x10}
	for i := range n {
		l.Groups = append(l.Groups, GroupMembership{RID: uint32(1200 + i), Attributes: 7})
	}
	sig := append([]byte{16, 0, 0, 0}, make([]byte, 12)...)
	return encodePAC(map[uint32][]byte{
		TypeLogonInfo:      encodeLogonInfo(l),
		TypeServerChecksum: sig,
		TypeKDCChecksum:    sig,
	}, []uint32{TypeLogonInfo, TypeServerChecksum, TypeKDCChecksum})
}

// BenchmarkParse5900Groups is the decoder's cost for a 5900-group PAC
// (decode plus the SID strings AuthzData carries). Reported, not asserted.
func BenchmarkParse5900Groups(b *testing.B) {
	raw := bigPAC(5900)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if a := p.Authz(); len(a.GroupSIDs) != 5900+1 { // and the primary group
			b.Fatalf("%d groups", len(a.GroupSIDs))
		}
	}
}

// BenchmarkParseSamba decodes a real Samba PAC (5 groups, UPN, client
// info, signatures).
func BenchmarkParseSamba(b *testing.B) {
	raw := readPAC(b, "samba-4.17-alice.pac")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
