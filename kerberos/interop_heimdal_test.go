//go:build cgo && !windows && heimdal

package kerberos_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/kerberos"
)

// With -tags heimdal, gssapi_unix is Heimdal's libgssapi in this process
// (the MIT interop file is left out of this build). These tests pair it with
// the pure-Go provider over the MIT KDC's tickets.

type heimdalPair struct {
	name      string
	init, acc func() gss.Provider
}

func heimdalPairs() []heimdalPair {
	heimdal := func() gss.Provider { return gssapi_unix.New() }
	pure := func() gss.Provider { return kerberos.NewProvider() }
	return []heimdalPair{
		{"PureGoToHeimdal", pure, heimdal},
		{"HeimdalToPureGo", heimdal, pure},
	}
}

// TestInteropHeimdalRawKrb5: raw krb5 contexts between the pure-Go provider
// and Heimdal, both directions, every AES enctype: both sides established
// with alice as initiator, and MIC and wrap tokens accepted both ways (so
// both agree on the per-message key, whichever subkey Heimdal chose).
func TestInteropHeimdalRawKrb5(t *testing.T) {
	r := testrealm.Shared(t)
	for _, pr := range heimdalPairs() {
		for _, e := range aesEtypes {
			t.Run(pr.name+"/"+e.String(), func(t *testing.T) {
				ip, ap := pr.init(), pr.acc()
				init := initiator(t, ip, importName(t, ip, hostOf(r, e), gss.NameHostBasedService))
				acc := acceptor(t, ap)
				rawHandshake(t, init, acc)
				for _, c := range []gss.SecContext{init, acc} {
					info, err := c.Inquire()
					require.NoError(t, err)
					require.True(t, info.Established)
					require.Equal(t, r.Principal(r.User), info.InitiatorName)
				}
				heimdal := acc
				if pr.name == "HeimdalToPureGo" {
					heimdal = init
				}
				perMessageTamperFirst(t, init, acc, heimdal)
			})
		}
	}
}

// perMessageTamperFirst checks MIC and wrap tokens both ways, with a
// tampered copy of each MIC verified before the genuine one: it must fail
// as gss.ErrBadMIC. (perMessage verifies the genuine MIC first; Heimdal
// checks the sequence number before the checksum and refuses the tampered
// copy as gss.ErrDuplicateToken instead.) The pure-Go receiver must then
// accept the genuine MIC: a forged token does not use up its sequence
// number. Heimdal's does (its replay window records the number before the
// checksum is verified), so towards Heimdal the genuine check is on a
// fresh MIC.
func perMessageTamperFirst(t *testing.T, a, b, heimdal gss.SecContext) {
	t.Helper()
	for i, pair := range [][2]gss.SecContext{{a, b}, {b, a}} {
		from, to := pair[0], pair[1]
		msg := []byte(fmt.Sprintf("message %d", i))
		mic, err := from.GetMIC(msg)
		require.NoError(t, err)
		bad := append([]byte{}, mic...)
		bad[len(bad)-1] ^= 1
		require.ErrorIs(t, to.VerifyMIC(msg, bad), gss.ErrBadMIC, "receiver %T", to)
		if to == heimdal {
			require.ErrorIs(t, to.VerifyMIC(msg, mic), gss.ErrDuplicateToken, "Heimdal: the forged MIC used up the sequence number")
			mic, err = from.GetMIC(msg)
			require.NoError(t, err)
		}
		require.NoError(t, to.VerifyMIC(msg, mic), "receiver %T", to)
		for _, conf := range []bool{true, false} {
			w, cs, err := from.Wrap(msg, conf)
			require.NoError(t, err)
			require.Equal(t, conf, cs)
			plain, cs2, err := to.Unwrap(w)
			require.NoError(t, err, "unwrap conf=%v", conf)
			require.Equal(t, conf, cs2)
			require.Equal(t, msg, plain)
		}
	}
}

// TestInteropHeimdalSPNEGO: the negotiate engine on both sides, one over
// the pure-Go provider and the other over Heimdal, with and without the
// optimistic token (the second exchanges and verifies mechListMICs).
func TestInteropHeimdalSPNEGO(t *testing.T) {
	r := testrealm.Shared(t)
	for _, pr := range heimdalPairs() {
		for _, e := range aesEtypes {
			for _, noOpt := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/noOptimistic=%v", pr.name, e, noOpt), func(t *testing.T) {
					spnegoPair(t, pr.init(), pr.acc(), hostOf(r, e), noOpt, []gss.OID{gss.MechMSKRB5, gss.MechKRB5})
				})
			}
		}
	}
}

// TestInteropHeimdalDelegation: a TGT forwarded as KRB-CRED from the
// pure-Go provider to Heimdal and back; the acceptor's delegated credential
// is alice's and authenticates to a second service.
func TestInteropHeimdalDelegation(t *testing.T) {
	r := testrealm.Shared(t)
	for _, pr := range heimdalPairs() {
		t.Run(pr.name, func(t *testing.T) {
			ip, ap := pr.init(), pr.acc()
			init := initiator(t, ip, importName(t, ip, "HTTP@localhost", gss.NameHostBasedService),
				gss.WithFlags(gss.FlagMutual|gss.FlagInteg|gss.FlagDeleg))
			acc := acceptor(t, ap)
			rawHandshake(t, init, acc)
			info, err := acc.Inquire()
			require.NoError(t, err)
			require.NotZero(t, info.Flags&gss.FlagDeleg, "acceptor sees delegation")
			cred, err := gss.DelegatedCredential(acc)
			require.NoError(t, err)
			require.NotNil(t, cred, "a delegated credential")
			defer cred.Release()
			ci, err := cred.Inquire()
			require.NoError(t, err)
			require.Equal(t, r.Principal(r.User), ci.Name)
			hop := initiator(t, ap, importName(t, ap, "host@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
			hopAcc := acceptor(t, ap)
			rawHandshake(t, hop, hopAcc)
			hi, err := hopAcc.Inquire()
			require.NoError(t, err)
			require.Equal(t, r.Principal(r.User), hi.InitiatorName)
		})
	}
}
