//go:build linux

package authz

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// rid is the last sub-authority of a SID string.
func rid(tb testing.TB, sid string) uint32 {
	v, err := strconv.ParseUint(sid[strings.LastIndexByte(sid, '-')+1:], 10, 32)
	require.NoError(tb, err)
	return uint32(v)
}

// tamper rewrites the ticket inside a krb5 AP-REQ token with the service
// key, as an attacker holding that key (or a bug) could: the PAC's group
// membership {from, SE_GROUP_MANDATORY|ENABLED_BY_DEFAULT|ENABLED} becomes
// {to, …}, same length, and the ticket is encrypted again. The PAC's
// server signature is left as the KDC made it, so it no longer matches.
func tamper(tb testing.TB, kt string, tok []byte, from, to uint32) []byte {
	tb.Helper()
	mech, inner, err := gss.ParseFraming(tok)
	require.NoError(tb, err)
	require.True(tb, len(inner) > 2 && inner[0] == 1 && inner[1] == 0, "an AP-REQ")
	var ap messages.APReq
	require.NoError(tb, ap.Unmarshal(inner[2:]))
	k, err := keytab.Load(kt)
	require.NoError(tb, err)
	key, _, err := k.GetEncryptionKey(ap.Ticket.SName, ap.Ticket.Realm, ap.Ticket.EncPart.KVNO, ap.Ticket.EncPart.EType)
	require.NoError(tb, err)
	plain, err := crypto.DecryptEncPart(ap.Ticket.EncPart, key, keyusage.KDC_REP_TICKET)
	require.NoError(tb, err)
	member := func(r uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, r)
		return binary.LittleEndian.AppendUint32(b, 7)
	}
	require.Equal(tb, 1, bytes.Count(plain, member(from)), "the membership to rewrite is in the PAC once")
	plain = bytes.Replace(plain, member(from), member(to), 1)
	ed, err := crypto.GetEncryptedData(plain, key, keyusage.KDC_REP_TICKET, ap.Ticket.EncPart.KVNO)
	require.NoError(tb, err)
	ap.Ticket.EncPart = ed
	out, err := ap.Marshal()
	require.NoError(tb, err)
	return gss.AppendFraming(nil, mech, append([]byte{1, 0}, out...))
}

// TestAuthzTamperedPACNotTrusted: alice's ticket rewritten with the
// service key so that her PAC says Domain Admins (RID 512) where it said
// web-admins. No backend may report that PAC as verified: each either
// refuses the AP-REQ (Heimdal), drops the PAC (MIT: nil, as without one)
// or returns the data with Verified false (pure Go).
func TestAuthzTamperedPACNotTrusted(t *testing.T) {
	w, p := needWorld(t)
	for accName, acc := range acceptors(p) {
		t.Run(accName, func(t *testing.T) {
			cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(w.ccache["alice"]))
			require.NoError(t, err)
			defer cred.Release()
			name, err := p.ImportName("HTTP@"+svcHost, gss.NameHostBasedService)
			require.NoError(t, err)
			defer name.Release()
			ic, err := p.InitSecContext(name, gss.WithMech(gss.MechKRB5), gss.WithInitiatorCredential(cred), gss.WithFlags(gss.FlagMutual))
			require.NoError(t, err)
			defer ic.Close()
			tok, err := ic.Continue(nil)
			require.NoError(t, err)
			bad := tamper(t, w.keytab, tok, rid(t, w.Groups["web-admins"]), 512)

			acred, err := acc.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(w.keytab))
			require.NoError(t, err)
			defer acred.Release()
			ac, err := acc.AcceptSecContext(gss.WithAcceptorCredential(acred))
			require.NoError(t, err)
			defer ac.Close()
			_, err = ac.Continue(bad)
			if err != nil {
				t.Logf("%s refuses the AP-REQ: %v", accName, err)
				return
			}
			a, err := gss.InquireAuthz(ac)
			if err != nil {
				t.Logf("%s accepts the AP-REQ, InquireAuthz fails: %v", accName, err)
				return
			}
			if a == nil {
				// MIT: a PAC that does not verify is dropped, as if the
				// ticket had none.
				t.Logf("%s accepts the AP-REQ and reports no PAC", accName)
				return
			}
			t.Logf("%s accepts the AP-REQ and reports the PAC with Verified %v", accName, a.Verified)
			assert.False(t, a.Verified, "a PAC whose server signature does not verify is never reported verified")
		})
	}
}

// TestAuthzWriteSeeds writes alice's and carol's PACs from Samba into
// mspac/testdata (the decoder's fuzz seeds and test inputs) when
// GSSNEGO_UPDATE_PAC_SEEDS is set.
func TestAuthzWriteSeeds(t *testing.T) {
	dir := os.Getenv("GSSNEGO_UPDATE_PAC_SEEDS")
	if dir == "" {
		t.Skip("GSSNEGO_UPDATE_PAC_SEEDS names the mspac/testdata directory to write to")
	}
	w, p := needWorld(t)
	for _, user := range []string{"alice", "carol"} {
		ac := accept(t, w, p, p, user)
		a, err := gss.InquireAuthz(ac)
		require.NoError(t, err)
		require.NotNil(t, a)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "samba-4.17-"+user+".pac"), a.Raw, 0o644))
	}
}
