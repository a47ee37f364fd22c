package mspac

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readPAC(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	return b
}

// TestSambaPAC decodes a PAC Samba 4.17's KDC issued for alice (member of
// web-admins, nested it-staff and uni-all, domain-local dl-printers) to an
// AES-only service.
func TestSambaPAC(t *testing.T) {
	p, err := Parse(readPAC(t, "samba-4.17-alice.pac"))
	require.NoError(t, err)
	l := p.LogonInfo
	require.NotNil(t, l)
	assert.Equal(t, "alice", l.EffectiveName)
	assert.Equal(t, "SAMDOM", l.LogonDomainName)
	assert.Equal(t, uint32(513), l.PrimaryGroupID)
	assert.True(t, strings.HasPrefix(l.UserSID().String(), "S-1-5-21-"), l.UserSID().String())
	var groups []string
	for _, s := range l.GroupSIDs() {
		groups = append(groups, s.String())
	}
	t.Logf("user %s groups %v extra %v resource %v/%v uac %#x flags %#x", l.UserSID(), groups, l.ExtraSIDs, l.ResourceGroupDomainSID, l.ResourceGroups, l.UserAccountControl, l.UserFlags)
	assert.Len(t, l.Groups, 5, "Domain Users and the four groups")
	assert.Contains(t, groups, "S-1-18-1", "authentication authority asserted identity")
	require.NotNil(t, p.UPNDNSInfo)
	assert.Equal(t, "alice@samdom.test", p.UPNDNSInfo.UPN)
	assert.Equal(t, "SAMDOM.TEST", p.UPNDNSInfo.DNSDomain)
	if p.UPNDNSInfo.Flags&UPNExtended != 0 {
		assert.Equal(t, "alice", p.UPNDNSInfo.SAMName)
		assert.Equal(t, l.UserSID().String(), p.UPNDNSInfo.SID.String())
	}
	require.NotNil(t, p.ClientInfo)
	assert.Equal(t, "alice", p.ClientInfo.Name)
	require.NotNil(t, p.ServerSignature)
	require.NotNil(t, p.KDCSignature)
	assert.Equal(t, ChecksumHMACSHA1AES256, p.ServerSignature.Type)
	assert.Nil(t, p.ClientClaims, "Samba 4.17 issues no claims")
	a := p.Authz()
	assert.Equal(t, l.UserSID().String(), a.UserSID)
	assert.False(t, a.Verified, "Authz never verifies by itself")
	var types []uint32
	for _, b := range p.Buffers {
		types = append(types, b.Type)
	}
	t.Logf("buffers %v", types)
}

// TestMITPAC: MIT krb5kdc 1.20 puts a PAC in every ticket, with the client
// info and the signatures only: no account, so Authz is nil.
func TestMITPAC(t *testing.T) {
	p, err := Parse(readPAC(t, "mit-1.20-alice.pac"))
	require.NoError(t, err)
	assert.Nil(t, p.LogonInfo)
	require.NotNil(t, p.ClientInfo)
	assert.Equal(t, "alice", p.ClientInfo.Name)
	assert.NotNil(t, p.ServerSignature)
	assert.NotNil(t, p.KDCSignature)
	assert.NotNil(t, p.TicketSignature)
	assert.Nil(t, p.Authz())
}

// TestSignatures: a PAC signed here with a known key verifies, and any
// change to a covered byte or a wrong key is ErrBadSignature.
func TestSignatures(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	raw := readPAC(t, "samba-4.17-alice.pac")
	p, err := Parse(append([]byte(nil), raw...))
	require.NoError(t, err)
	sig, err := Checksum(p.ServerSignature.Type, key, p.SignedData())
	require.NoError(t, err)
	copy(p.Raw[p.ServerSignature.ValueOffset:], sig)
	require.NoError(t, p.VerifyServerSignature(18, key))
	assert.ErrorIs(t, p.VerifyServerSignature(17, key[:16]), ErrBadSignature, "wrong enctype")
	key[0] ^= 1
	assert.ErrorIs(t, p.VerifyServerSignature(18, key), ErrBadSignature, "wrong key")
	key[0] ^= 1
	p.Raw[p.Buffers[0].Offset+40] ^= 1
	err = p.VerifyServerSignature(18, key)
	assert.ErrorIs(t, err, ErrBadSignature, "a changed byte")
	var pe *Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "PAC_SERVER_CHECKSUM", pe.Buffer)
	assert.Equal(t, p.ServerSignature.ValueOffset, pe.Offset)
}

// TestRoundTrip: the decoder reads back what the test encoder wrote, with
// extra SIDs and resource groups (Samba's PACs have neither).
func TestRoundTrip(t *testing.T) {
	dom, _ := ParseSID("S-1-5-21-1-2-3")
	res, _ := ParseSID("S-1-5-21-7-8-9")
	other, _ := ParseSID("S-1-5-21-4-5-6-1000")
	in := &LogonInfo{EffectiveName: "bob", FullName: "Bob Ünicode", LogonServer: "DC1", LogonDomainName: "EXAMPLE",
		UserID: 1104, PrimaryGroupID: 513, LogonDomainSID: dom, UserAccountControl: 0x210, UserFlags: 0x220,
		Groups:                 []GroupMembership{{513, 7}, {1106, 7}},
		ExtraSIDs:              []SIDAndAttributes{{other, 7}, {SID{Authority: 18, Sub: []uint32{1}}, 7}},
		ResourceGroupDomainSID: res, ResourceGroups: []GroupMembership{{2001, 0x20000007}}}
	raw := encodePAC(map[uint32][]byte{TypeLogonInfo: encodeLogonInfo(in)}, []uint32{TypeLogonInfo})
	p, err := Parse(raw)
	require.NoError(t, err)
	out := p.LogonInfo
	assert.Equal(t, in.EffectiveName, out.EffectiveName)
	assert.Equal(t, in.FullName, out.FullName)
	assert.Equal(t, in.Groups, out.Groups)
	assert.Equal(t, in.ExtraSIDs, out.ExtraSIDs)
	assert.Equal(t, in.ResourceGroups, out.ResourceGroups)
	assert.Equal(t, "S-1-5-21-1-2-3-1104", out.UserSID().String())
	var got []string
	for _, s := range out.GroupSIDs() {
		got = append(got, s.String())
	}
	assert.Equal(t, []string{"S-1-5-21-1-2-3-513", "S-1-5-21-1-2-3-1106", "S-1-5-21-4-5-6-1000", "S-1-18-1", "S-1-5-21-7-8-9-2001"}, got)
}

// TestMalformed: every truncation of a real PAC, and a few lies in its
// counts, are *Error values naming a buffer and an offset inside the PAC;
// none panics.
func TestMalformed(t *testing.T) {
	raw := readPAC(t, "samba-4.17-alice.pac")
	for n := 0; n < len(raw); n++ {
		_, err := Parse(raw[:n])
		if err == nil {
			continue // a cut after the last buffer's declared end cannot happen; others must fail
		}
		var pe *Error
		require.True(t, errors.As(err, &pe), "cut at %d: %v", n, err)
		require.ErrorIs(t, err, ErrMalformed)
		require.True(t, pe.Offset >= 0 && pe.Offset <= n, "cut at %d: offset %d", n, pe.Offset)
	}
	p, err := Parse(raw)
	require.NoError(t, err)
	li := p.Buffers[0]
	require.EqualValues(t, TypeLogonInfo, li.Type)
	cases := map[string]func(b []byte){
		"cBuffers huge":   func(b []byte) { b[0], b[1] = 0xff, 0xff },
		"version":         func(b []byte) { b[4] = 1 },
		"offset outside":  func(b []byte) { b[8+8+3] = 0x7f },
		"NDR endianness":  func(b []byte) { b[li.Offset+1] = 0 },
		"GroupCount lies": func(b []byte) { b[li.Offset+20+108] = 0xff },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			b := append([]byte(nil), raw...)
			mutate(b)
			_, err := Parse(b)
			var pe *Error
			require.True(t, errors.As(err, &pe), "%v", err)
			t.Log(err)
		})
	}
}

func TestSID(t *testing.T) {
	for _, s := range []string{"S-1-5-21-3579408728-1233798939-2685371545-1104", "S-1-18-1", "S-1-5-32-545"} {
		v, err := ParseSID(s)
		require.NoError(t, err)
		assert.Equal(t, s, v.String())
	}
	for _, s := range []string{"", "S-1", "S-2-5-1", "S-1-x-1", "S-1-5-99999999999", fmt.Sprintf("S-1-5%s", strings.Repeat("-1", 16))} {
		_, err := ParseSID(s)
		assert.Error(t, err, s)
	}
}
