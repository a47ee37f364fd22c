//go:build cgo && !windows && !heimdal

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

// pair is an initiator provider and an acceptor provider.
type pair struct {
	name string
	init func() gss.Provider
	acc  func() gss.Provider
}

func crossPairs() []pair {
	native := func() gss.Provider { return gssapi_unix.New() }
	pure := func() gss.Provider { return kerberos.NewProvider() }
	return []pair{
		{"PureGoToMIT", pure, native},
		{"MITToPureGo", native, pure},
	}
}

// The interop tests run against MIT's library (the default cgo build); with
// -tags heimdal they are left out (Heimdal reads KRB5_CONFIG once per
// thread, so the RC4 krb5.conf swap cannot work) and
// interop_heimdal_test.go pairs the pure-Go provider with Heimdal instead.

// TestInteropRawKrb5: raw krb5 contexts between the pure-Go provider and
// MIT's library (cgo, in process), both directions, every AES enctype,
// with MIC and wrap tokens both ways.
func TestInteropRawKrb5(t *testing.T) {
	r := testrealm.Shared(t)
	for _, pr := range crossPairs() {
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
					require.Equal(t, gss.EnctypeAES256SHA1, info.SessionKeyEnctype, "RFC 4537 subkey")
				}
				perMessage(t, init, acc)
			})
		}
	}
}

// TestInteropSPNEGO: the negotiate engine on both sides, one side over
// the pure-Go provider and the other over MIT, with and without the
// optimistic token (the second exchanges mechListMICs).
func TestInteropSPNEGO(t *testing.T) {
	r := testrealm.Shared(t)
	for _, pr := range crossPairs() {
		for _, e := range aesEtypes {
			for _, noOpt := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/noOptimistic=%v", pr.name, e, noOpt), func(t *testing.T) {
					spnegoPair(t, pr.init(), pr.acc(), hostOf(r, e), noOpt,
						[]gss.OID{gss.MechMSKRB5, gss.MechKRB5, gss.MechNTLMSSP})
				})
			}
		}
	}
}

// TestInteropReplayRefusedByPureGo: an AP-REQ made by MIT, accepted once
// by the pure-Go acceptor and refused the second time.
func TestInteropReplayRefusedByPureGo(t *testing.T) {
	r := testrealm.Shared(t)
	native := gssapi_unix.New()
	init := initiator(t, native, importName(t, native, hostOf(r, gss.EnctypeAES256SHA1), gss.NameHostBasedService))
	apreq, err := init.Continue(nil)
	require.NoError(t, err)
	p := kerberos.NewProvider()
	_, err = acceptor(t, p).Continue(apreq)
	require.NoError(t, err)
	_, err = acceptor(t, p).Continue(apreq)
	require.ErrorIs(t, err, gss.ErrDuplicateToken)
}

// TestInteropRC4: an rc4-hmac ticket with rc4-hmac preferred in krb5.conf
// (so no RFC 4537 upgrade): RFC 4757 MIC and wrap tokens between MIT and
// the pure-Go provider, both directions, and pure-Go on both sides.
func TestInteropRC4(t *testing.T) {
	r := testrealm.Shared(t)
	t.Setenv("KRB5_CONFIG", r.PreferEnctypes(t, gss.EnctypeRC4HMAC))
	native := func() gss.Provider { return gssapi_unix.New() }
	pure := func() gss.Provider { return kerberos.NewProvider() }
	svc := "HTTP@" + r.EtypeService(gss.EnctypeRC4HMAC)[len("HTTP/"):]
	for _, pr := range append(crossPairs(), pair{"PureGoToPureGo", pure, pure}, pair{"MITToMIT", native, native}) {
		t.Run(pr.name, func(t *testing.T) {
			ip, ap := pr.init(), pr.acc()
			init := initiator(t, ip, importName(t, ip, svc, gss.NameHostBasedService))
			acc := acceptor(t, ap)
			rawHandshake(t, init, acc)
			info, err := init.Inquire()
			require.NoError(t, err)
			require.Equal(t, gss.EnctypeRC4HMAC, info.SessionKeyEnctype)
			perMessage(t, init, acc)
			mic, err := init.GetMIC([]byte("x"))
			require.NoError(t, err)
			require.Len(t, mic, 37, "GSS-framed RFC 4757 MIC")
		})
	}
}

// TestInteropDelegation: gss.FlagDeleg forwards the TGT as KRB-CRED; the
// acceptor's DelegatedCredential then gets a ticket for another service
// and authenticates there. Pure-Go and MIT on either side.
func TestInteropDelegation(t *testing.T) {
	r := testrealm.Shared(t)
	pure := func() gss.Provider { return kerberos.NewProvider() }
	for _, pr := range append(crossPairs(), pair{"PureGoToPureGo", pure, pure}) {
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
			// Second hop, as the user, with the acceptor's provider.
			hop := initiator(t, ap, importName(t, ap, "host@localhost", gss.NameHostBasedService), gss.WithInitiatorCredential(cred))
			hopAcc := acceptor(t, ap)
			rawHandshake(t, hop, hopAcc)
			hi, err := hopAcc.Inquire()
			require.NoError(t, err)
			require.Equal(t, r.Principal(r.User), hi.InitiatorName)
		})
	}
}

type iovWrapper interface {
	WrapIOV(msg []byte, conf bool) (token, data []byte, confState bool, err error)
	UnwrapIOV(token, data []byte) (msg []byte, confState bool, err error)
}

// iovRoundTrip checks the EncryptMessage-style split wrap both ways.
func iovRoundTrip(t *testing.T, a, b gss.SecContext) {
	t.Helper()
	for _, pair := range [][2]gss.SecContext{{a, b}, {b, a}} {
		from, ok1 := pair[0].(iovWrapper)
		to, ok2 := pair[1].(iovWrapper)
		require.True(t, ok1 && ok2, "%T and %T have WrapIOV", pair[0], pair[1])
		for _, conf := range []bool{true, false} {
			msg := []byte("split token and data")
			tok, data, cs, err := from.WrapIOV(msg, conf)
			require.NoError(t, err)
			require.Equal(t, conf, cs)
			require.GreaterOrEqual(t, len(data), len(msg))
			got, cs2, err := to.UnwrapIOV(tok, data)
			require.NoError(t, err, "conf=%v", conf)
			require.Equal(t, conf, cs2)
			if _, native := pair[1].(*gssapi_unix.SecContext); native && len(got) == len(msg)+1 && got[len(msg)] == 1 {
				// MIT's gss_unwrap_iov without a PADDING buffer leaves
				// the RFC 4757 padding byte in DATA.
				got = got[:len(msg)]
			}
			require.Equal(t, msg, got)
		}
	}
}

// TestInteropWrapIOV: the Windows EncryptMessage layout (token + data)
// between MIT's gss_wrap_iov and the pure-Go provider, AES and RC4.
func TestInteropWrapIOV(t *testing.T) {
	r := testrealm.Shared(t)
	for _, e := range []gss.Enctype{gss.EnctypeAES256SHA1, gss.EnctypeRC4HMAC} {
		if e == gss.EnctypeRC4HMAC {
			t.Setenv("KRB5_CONFIG", r.PreferEnctypes(t, gss.EnctypeRC4HMAC))
		}
		for _, pr := range crossPairs() {
			t.Run(e.String()+"/"+pr.name, func(t *testing.T) {
				ip, ap := pr.init(), pr.acc()
				init := initiator(t, ip, importName(t, ip, hostOf(r, e), gss.NameHostBasedService))
				acc := acceptor(t, ap)
				rawHandshake(t, init, acc)
				iovRoundTrip(t, init, acc)
			})
		}
	}
}
