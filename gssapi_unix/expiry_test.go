//go:build !windows && cgo

package gssapi_unix

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestErrContextExpired establishes a context on a 4-second ticket (child
// process: its own ccache, and clockskew = 1 because MIT's acceptor adds
// the skew allowance to its lifetime) and checks that every per-message
// call after the end time fails with gss.ErrContextExpired on both sides —
// which MIT 1.20 alone does not do — while Close still works.
func TestErrContextExpired(t *testing.T) {
	if childCase() == "expired" {
		p := New()
		ini, acc := pair(t, p, realm.Principal(targetHTTP))
		msg := []byte("m")
		mic, err := ini.GetMIC(msg)
		require.NoError(t, err)
		end := ini.expires
		if acc.expires.After(end) {
			end = acc.expires
		}
		require.False(t, end.IsZero())
		time.Sleep(time.Until(end) + 1100*time.Millisecond)
		_, err = ini.GetMIC(msg)
		logErr(t, "GetMIC after expiry", err)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		_, _, err = ini.Wrap(msg, true)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		assert.ErrorIs(t, acc.VerifyMIC(msg, mic), gss.ErrContextExpired)
		_, _, err = acc.Unwrap(mic)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		_, err = acc.WrapSizeLimit(true, 1000)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		require.NoError(t, ini.Close())
		require.NoError(t, acc.Close())
		return
	}
	r := needRealm(t)
	cc := "FILE:" + filepath.Join(t.TempDir(), "ccache")
	r.KinitArgs(t, r.Principal(r.User), r.Password, cc, "-l", "4s")
	runChild(t, "expired", "KRB5CCNAME="+cc, "KRB5_CONFIG="+r.WriteConf(t, "clockskew1", "", "clockskew = 1"))
}

// TestErrKDCSilent measures how long the library itself waits for a KDC
// that never answers (a TCP listener that accepts and stays silent, or UDP
// that drops, with TCP refused), in a child process with that krb5.conf,
// and checks the error it ends with. Slow (tens of seconds with MIT), so
// only with GSSNEGO_FAULTS_NATIVE=1; the numbers are in docs/reliability.md.
func TestErrKDCSilent(t *testing.T) {
	if c := childCase(); c != "" {
		p := New()
		ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)))
		require.NoError(t, err)
		defer ini.Close()
		start := time.Now()
		_, err = ini.Continue(nil)
		t.Logf("MEASURED %s %s: library gave up after %v", implementation, c, time.Since(start).Round(time.Millisecond))
		logErr(t, "silent KDC", err)
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable)
		return
	}
	if os.Getenv("GSSNEGO_FAULTS_NATIVE") != "1" {
		t.Skip("set GSSNEGO_FAULTS_NATIVE=1 to measure the library's own KDC timeouts (slow)")
	}
	r := needRealm(t)
	for _, tcp := range []bool{true, false} {
		s := testrealm.StartSilentKDC(t, tcp)
		name := map[bool]string{true: "tcp-silent", false: "udp-drops"}[tcp]
		// A fresh ccache holds only the TGT: the service ticket needs the KDC.
		cc := "FILE:" + filepath.Join(t.TempDir(), "ccache")
		r.Kinit(t, r.Principal(r.User), r.Password, cc)
		t.Log(runChild(t, name, "KRB5CCNAME="+cc, "KRB5_CONFIG="+r.WriteConf(t, name, s.Addr)))
	}
}

// TestErrKeytabStale rotates a service's key on the KDC without exporting
// it: the acceptor, whose keytab has only the old key, fails with
// gss.ErrKeytabKeyVersion on MIT (KRB5KRB_AP_ERR_BADKEYVER) and
// gss.ErrKeytabNoKey on Heimdal (KRB5_KT_END).
func TestErrKeytabStale(t *testing.T) {
	p := provider(t)
	r := needRealm(t)
	const svc = "HTTP/stale.gssnego.test"
	r.AddService(t, svc)
	r.RotateKey(t, svc)
	ini, err := p.InitSecContext(importTarget(t, p, r.Principal(svc)), gss.WithFlags(gss.FlagMutual))
	require.NoError(t, err)
	defer ini.Close()
	acc, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	_, err = acc.Continue(tok)
	logErr(t, "ticket newer than the keytab", err)
	want := byImpl(gss.ErrKeytabKeyVersion, gss.ErrKeytabNoKey).(*gss.Fault)
	assert.ErrorIs(t, err, want)
	assert.Contains(t, err.Error(), "gss: "+want.Text()+": gss_accept_sec_context: ")
}

// TestErrClockSkew hands an AP-REQ made now to an acceptor whose library
// clock is 10 minutes ahead (child process under libfaketime: the Go
// runtime's clock is not shifted, the library's libc calls are): MIT fails
// with gss.ErrClockSkew; Heimdal 7.8 accepts it (it does not check the
// authenticator's time; 2 days ahead it does fail, ticket expired).
func TestErrClockSkew(t *testing.T) {
	const tokenEnv = "GSSNEGO_SKEW_APREQ"
	if childCase() == "skewed-acceptor" {
		tok, err := base64.StdEncoding.DecodeString(os.Getenv(tokenEnv))
		require.NoError(t, err)
		acc, err := New().AcceptSecContext()
		require.NoError(t, err)
		defer acc.Close()
		_, err = acc.Continue(tok)
		logErr(t, "acceptor 10 min ahead", err)
		if implementation == "Heimdal" {
			// Heimdal 7.8's acceptor does not compare the authenticator's
			// time with its clock (it keeps no replay cache either, see
			// TestErrReplayedAPREQ); only the ticket's times are checked.
			assert.NoError(t, err)
			return
		}
		assert.ErrorIs(t, err, gss.ErrClockSkew)
		assert.Contains(t, err.Error(), "gss: "+gss.ErrClockSkew.Text()+": ")
		return
	}
	p := provider(t)
	var lib string
	for _, l := range []string{"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"} {
		if _, err := os.Stat(l); err == nil {
			lib = l
		}
	}
	if lib == "" {
		lab.Unavailable(t, "libfaketime not found (Debian package faketime)")
	}
	ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)), gss.WithFlags(gss.FlagMutual))
	require.NoError(t, err)
	defer ini.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	t.Log(runChild(t, "skewed-acceptor", tokenEnv+"="+base64.StdEncoding.EncodeToString(tok),
		"LD_PRELOAD="+lib, "FAKETIME=+10m", "FAKETIME_DONT_FAKE_MONOTONIC=1"))
}
