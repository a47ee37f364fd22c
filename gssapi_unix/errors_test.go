//go:build !windows && cgo

package gssapi_unix

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// byImpl picks the expected sentinel for the library under test: MIT and
// Heimdal disagree on several majors (see the package documentation).
func byImpl(mit, heimdal error) error {
	if implementation == "Heimdal" {
		return heimdal
	}
	return mit
}

// logErr logs the full error so the package doc's list of peer behaviour can
// be checked against a run with -v.
func logErr(t *testing.T, what string, err error) {
	t.Helper()
	var ge *gss.Error
	if errors.As(err, &ge) {
		t.Logf("%s: major=%#x (%v) minor=%#x: %v", what, uint32(ge.Major), ge.Major, ge.Minor, err)
	} else {
		t.Logf("%s: %v", what, err)
	}
}

func TestErrUnknownService(t *testing.T) {
	p := provider(t)
	ini, err := p.InitSecContext(importTarget(t, p, realm.Principal("HTTP/nosuch.gssnego.test")))
	require.NoError(t, err)
	defer ini.Close()
	_, err = ini.Continue(nil)
	require.Error(t, err)
	logErr(t, "unknown service", err)
	assert.ErrorIs(t, err, gss.ErrFailure)
	// Both libraries pass the KDC's KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN up as the
	// minor code (MIT's text: "Server … not found in Kerberos database";
	// Heimdal's: the KDC's e-text, "LOOKING_UP_SERVER (…)").
	var ge *gss.Error
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, uint32(0x96c73a07), ge.Minor)
	assert.Contains(t, err.Error(), "HTTP/nosuch.gssnego.test@GSSNEGO.TEST")
}

// TestErrNoCCache points KRB5CCNAME at a missing file (child process) and
// passes a missing ccache explicitly (in process).
func TestErrNoCCache(t *testing.T) {
	missing := "FILE:" + filepath.Join(os.TempDir(), "gssnego-no-such-dir", "ccache")
	if childCase() == "env" {
		p := New()
		ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)))
		require.NoError(t, err)
		defer ini.Close()
		_, err = ini.Continue(nil)
		logErr(t, "KRB5CCNAME missing", err)
		assert.ErrorIs(t, err, byImpl(gss.ErrNoCred, gss.ErrFailure))
		return
	}
	p := provider(t)
	runChild(t, "env", "KRB5CCNAME="+missing)
	_, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(missing))
	logErr(t, "WithCCache missing", err)
	assert.ErrorIs(t, err, gss.ErrNoCred)
}

// TestErrKeytabWithoutKey gives the acceptor a keytab holding only
// host/localhost and an AP-REQ for HTTP/localhost.
func TestErrKeytabWithoutKey(t *testing.T) {
	p := provider(t)
	kadmin := lab.NeedCommand(t, "kadmin.local")[0]
	kt := "FILE:" + filepath.Join(t.TempDir(), "host-only.keytab")
	cmd := exec.Command(kadmin, "-r", realm.Name, "-q", "ktadd -k "+kt+" -norandkey "+testrealm.ServiceHost)
	cmd.Env = append(os.Environ(), realm.Env()...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(kt))
	require.NoError(t, err)
	defer cred.Release()
	ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)))
	require.NoError(t, err)
	defer ini.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	acc, err := p.AcceptSecContext(gss.WithAcceptorCredential(cred))
	require.NoError(t, err)
	defer acc.Close()
	_, err = acc.Continue(tok)
	require.Error(t, err)
	logErr(t, "keytab without the key", err)
	assert.True(t, errors.Is(err, gss.ErrFailure) || errors.Is(err, gss.ErrNoCred), "%v", err)
	assert.True(t, acc.ContinueNeeded() || !errors.Is(err, nil))
}

func TestErrWrongPassword(t *testing.T) {
	p := provider(t)
	user, err := p.ImportName(realm.Principal(realm.User), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer user.Release()
	cred, err := p.AcquireCredential(user, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithPassword("wrong-password"))
	if err == nil {
		// The library may defer the AS exchange to the first init call.
		defer cred.Release()
		var ini gss.SecContext
		ini, err = p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)), gss.WithInitiatorCredential(cred))
		require.NoError(t, err)
		defer ini.Close()
		_, err = ini.Continue(nil)
	}
	require.Error(t, err)
	logErr(t, "wrong password", err)
	assert.True(t, errors.Is(err, gss.ErrFailure) || errors.Is(err, gss.ErrDefectiveCredential) || errors.Is(err, gss.ErrNoCred), "%v", err)
}

func TestPasswordCredential(t *testing.T) {
	p := provider(t)
	user, err := p.ImportName(realm.Principal(realm.User), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer user.Release()
	cred, err := p.AcquireCredential(user, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithPassword(realm.Password))
	require.NoError(t, err)
	defer cred.Release()
	info, err := cred.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal(realm.User), info.Name)
	ini, acc := pair(t, p, realm.Principal(targetHTTP), gss.WithInitiatorCredential(cred))
	roundTrips(t, ini, acc)
}

// TestErrKDCDown stops a second realm's KDC and starts an initiator towards a
// service it has no ticket for (child process with that realm's config): the
// call must fail. How fast is logged, not asserted (timings never decide a
// test; docs/reliability.md has the measured times and the deadline tests).
func TestErrKDCDown(t *testing.T) {
	if childCase() == "kdc-down" {
		p := New()
		ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)))
		require.NoError(t, err)
		defer ini.Close()
		start := time.Now()
		_, err = ini.Continue(nil)
		logErr(t, "KDC down", err)
		t.Logf("failed after %v", time.Since(start))
		assert.ErrorIs(t, err, gss.ErrFailure)
		// Both libraries report KRB5_KDC_UNREACH: the error leads with it.
		assert.ErrorIs(t, err, gss.ErrKDCUnreachable)
		assert.Contains(t, err.Error(), "gss: "+gss.ErrKDCUnreachable.Text())
		return
	}
	needRealm(t)
	down := testrealm.Start(t)
	down.StopKDC()
	runChild(t, "kdc-down", down.Env()...)
}

// TestErrReplayedAPREQ feeds the same AP-REQ to two acceptors.
func TestErrReplayedAPREQ(t *testing.T) {
	p := provider(t)
	ini, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)), gss.WithFlags(gss.FlagMutual|gss.FlagReplay))
	require.NoError(t, err)
	defer ini.Close()
	tok, err := ini.Continue(nil)
	require.NoError(t, err)
	acc1, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc1.Close()
	_, err = acc1.Continue(tok)
	require.NoError(t, err)
	acc2, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc2.Close()
	_, err = acc2.Continue(tok)
	if implementation == "Heimdal" {
		// Heimdal 7.8's GSS acceptor keeps no replay cache.
		assert.NoError(t, err, "Heimdal now rejects replays: update the package doc")
		return
	}
	require.Error(t, err, "replayed AP-REQ accepted")
	logErr(t, "replayed AP-REQ", err)
	assert.ErrorIs(t, err, gss.ErrDuplicateToken)
	assert.ErrorIs(t, err, gss.ErrFailure, "the library's own major is kept")
	assert.Contains(t, err.Error(), "replay")
}

// TestErrWrongTokens feeds each side a token meant for the other side, and
// garbage.
func TestErrWrongTokens(t *testing.T) {
	p := provider(t)
	target := importTarget(t, p, realm.Principal(targetHTTP))
	newIni := func() (gss.SecContext, []byte) {
		ini, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual))
		require.NoError(t, err)
		t.Cleanup(func() { ini.Close() })
		tok, err := ini.Continue(nil)
		require.NoError(t, err)
		return ini, tok
	}
	ini, apreq := newIni()
	_, err := ini.Continue(apreq)
	require.Error(t, err)
	logErr(t, "AP-REQ fed to initiator", err)
	assert.ErrorIs(t, err, gss.ErrDefectiveToken) // on Heimdal from checkInitReply

	ini2, apreq2 := newIni()
	acc, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc.Close()
	aprep, err := acc.Continue(apreq2)
	require.NoError(t, err)
	_, err = ini2.Continue(aprep)
	require.NoError(t, err)
	acc2, err := p.AcceptSecContext()
	require.NoError(t, err)
	defer acc2.Close()
	_, err = acc2.Continue(aprep)
	require.Error(t, err)
	logErr(t, "AP-REP fed to acceptor", err)
	assert.ErrorIs(t, err, byImpl(gss.ErrDefectiveToken, gss.ErrFailure))

	for name, garbage := range map[string][]byte{
		"random":     []byte("this is not a GSS token at all"),
		"bad-framed": append([]byte{0x60, 0x0b, 0x06, 0x09}, append(gss.MechKRB5.DER(), 0x01, 0x00)...),
	} {
		acc3, err := p.AcceptSecContext()
		require.NoError(t, err)
		_, err = acc3.Continue(garbage)
		require.Error(t, err)
		logErr(t, "garbage to acceptor ("+name+")", err)
		if name == "random" {
			assert.ErrorIs(t, err, gss.ErrDefectiveToken)
		} else {
			// MIT: a well-framed krb5 token with a broken AP-REQ is GSS_S_FAILURE.
			assert.True(t, errors.Is(err, gss.ErrDefectiveToken) || errors.Is(err, gss.ErrFailure), "%v", err)
		}
		acc3.Close()
	}
	ini3, _ := newIni()
	_, err = ini3.Continue([]byte("garbage reply"))
	require.Error(t, err)
	logErr(t, "garbage to initiator", err)
	assert.ErrorIs(t, err, gss.ErrDefectiveToken)
}

func TestErrUseAfterClose(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, realm.Principal(targetHTTP))
	require.NoError(t, ini.Close())
	require.NoError(t, ini.Close(), "Close twice")
	_, err := ini.Continue([]byte{1})
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.GetMIC([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
	assert.ErrorIs(t, ini.VerifyMIC([]byte("x"), []byte("y")), gss.ErrNoContext)
	_, _, err = ini.Wrap([]byte("x"), true)
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, _, err = ini.Unwrap([]byte("x"))
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.WrapSizeLimit(true, 1000)
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.Inquire()
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, err = ini.Export()
	assert.ErrorIs(t, err, gss.ErrNoContext)
	_, _, _, err = ini.WrapIOV([]byte("x"), true)
	assert.ErrorIs(t, err, gss.ErrNoContext)
	assert.False(t, ini.ContinueNeeded())
	logErr(t, "after Close", err)

	// The peer still works; a released credential or name is refused.
	_, err = acc.GetMIC([]byte("x"))
	assert.NoError(t, err)
	n, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	require.NoError(t, n.Release())
	_, err = p.InitSecContext(n)
	assert.ErrorIs(t, err, gss.ErrBadName)
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly)
	require.NoError(t, err)
	require.NoError(t, cred.Release())
	_, err = p.InitSecContext(importTarget(t, p, "HTTP@localhost"), gss.WithInitiatorCredential(cred))
	assert.ErrorIs(t, err, gss.ErrNoCred)
	_, err = cred.Inquire()
	assert.ErrorIs(t, err, gss.ErrNoCred)
}

// TestConcurrentUse hammers one context from several goroutines (run with
// -race): calls are serialised, and a Close in the middle turns the rest into
// ErrNoContext, never a crash.
func TestConcurrentUse(t *testing.T) {
	p := provider(t)
	ini, acc := pair(t, p, realm.Principal(targetHTTP))
	fresh, err := p.InitSecContext(importTarget(t, p, realm.Principal(targetHTTP)))
	require.NoError(t, err)
	defer fresh.Close()
	var wg sync.WaitGroup
	var started, refused int32
	var mu sync.Mutex
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			_, err := fresh.Continue(nil)
			mu.Lock()
			if err == nil {
				started++
			} else {
				refused++
			}
			mu.Unlock()
			for i := 0; i < 100; i++ {
				msg := []byte{byte(g), byte(i)}
				mic, err := ini.GetMIC(msg)
				if err != nil {
					assert.ErrorIs(t, err, gss.ErrNoContext)
					continue
				}
				_, _, err = ini.Wrap(msg, true)
				if err != nil {
					assert.ErrorIs(t, err, gss.ErrNoContext)
				}
				_, err = ini.Inquire()
				if err != nil {
					assert.ErrorIs(t, err, gss.ErrNoContext)
				}
				_ = acc.VerifyMIC(msg, mic) // order across goroutines is not kept
				if g == 0 && i == 50 {
					ini.Close()
				}
			}
		}(g)
	}
	wg.Wait()
	assert.Equal(t, int32(1), started, "exactly one first Continue(nil) succeeds")
	assert.Equal(t, int32(7), refused)
}
