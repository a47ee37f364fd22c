//go:build !windows && cgo

package gssapi_unix

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// rotatingService makes a service principal of its own (rotating the
// shared HTTP/localhost would break other tests' keytab) with its keys
// exported to dir/http.keytab, and returns the principal and the path.
func rotatingService(t *testing.T, dir string) (string, string) {
	r := needRealm(t)
	princ := fmt.Sprintf("HTTP/rot%d.gssnego.test", time.Now().UnixNano())
	r.Kadmin(t, "addprinc -randkey "+princ)
	kt := filepath.Join(dir, "http.keytab")
	r.ExportKey(t, princ, "FILE:"+kt)
	return princ + "@" + r.Name, kt
}

// initiatorCred gets alice a TGT in a ccache of her own under dir.
func initiatorCred(t *testing.T, p *Provider, dir, name string) gss.Credential {
	r := needRealm(t)
	cc := "FILE:" + filepath.Join(dir, name)
	r.Kinit(t, r.User, r.Password, cc)
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache(cc))
	require.NoError(t, err)
	t.Cleanup(func() { cred.Release() })
	return cred
}

// keytabHandshake runs one krb5 handshake towards target with the
// initiator's cred and the acceptor's kt.
func keytabHandshake(p *Provider, target gss.Name, ini gss.Credential, kt *Keytab) error {
	i, err := p.InitSecContext(target, gss.WithFlags(gss.FlagMutual), gss.WithInitiatorCredential(ini))
	if err != nil {
		return err
	}
	defer i.Close()
	a, err := p.AcceptSecContext(gss.WithAcceptorCredential(kt))
	if err != nil {
		return err
	}
	defer a.Close()
	tok, err := i.Continue(nil)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if tok, err = a.Continue(tok); err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	if _, err = i.Continue(tok); err != nil {
		return fmt.Errorf("init reply: %w", err)
	}
	if i.ContinueNeeded() || a.ContinueNeeded() {
		return fmt.Errorf("handshake not complete")
	}
	return nil
}

// TestKeytabInMemory: once loaded, accepts need no file: the keytab is
// moved away and handshakes still succeed.
func TestKeytabInMemory(t *testing.T) {
	p := provider(t)
	dir := t.TempDir()
	princ, path := rotatingService(t, dir)
	kt, err := LoadKeytab(path, KeytabConfig{CheckInterval: -1})
	require.NoError(t, err)
	defer kt.Release()
	require.Positive(t, kt.Entries())
	target := importTarget(t, p, princ)
	ini := initiatorCred(t, p, dir, "alice.cc")
	require.NoError(t, keytabHandshake(p, target, ini, kt))
	require.NoError(t, os.Rename(path, path+".away"))
	for n := 0; n < 3; n++ {
		require.NoError(t, keytabHandshake(p, target, ini, kt), "handshake %d without the file", n)
	}
	changed, err := kt.Reload()
	require.Error(t, err, "reload of a missing file")
	require.False(t, changed)
	require.NoError(t, keytabHandshake(p, target, ini, kt), "a failed reload keeps the generation")
	info, err := kt.Inquire()
	require.NoError(t, err)
	require.Equal(t, gss.CredAcceptOnly, info.Usage)
}

// TestKeytabRotationUnderLoad: kadmin's ktadd writes a new kvno into a copy
// of the keytab, which is renamed over the file while handshakes with
// old-kvno tickets run on four goroutines. No handshake fails; the Keytab
// notices the new file by itself (stat interval), after which tickets of
// the new kvno are accepted and those of the old one still are.
func TestKeytabRotationUnderLoad(t *testing.T) {
	p := provider(t)
	r := needRealm(t)
	retired := keytabsRetired.Load()
	dir := t.TempDir()
	princ, path := rotatingService(t, dir)
	kt, err := LoadKeytab(path, KeytabConfig{CheckInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	defer kt.Release()
	target := importTarget(t, p, princ)
	oldIni := initiatorCred(t, p, dir, "old.cc")
	require.NoError(t, keytabHandshake(p, target, oldIni, kt)) // caches the kvno-1 ticket

	var stop atomic.Bool
	var ok, failed atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if err := keytabHandshake(p, target, oldIni, kt); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, &err)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)

	// ktadd with a new random key: the KDC and the new file get kvno 2,
	// the file keeps kvno 1 (copied from the old one).
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	next := path + ".new"
	require.NoError(t, os.WriteFile(next, b, 0o600))
	r.Kadmin(t, "ktadd -k FILE:"+next+" "+princ)
	newIni := initiatorCred(t, p, dir, "new.cc")
	// Before the rename the new kvno is unknown to the loaded keys.
	err = keytabHandshake(p, target, newIni, kt)
	require.Error(t, err, "kvno 2 ticket before the new file is in place")
	// The library's extended text (kept per thread by both libraries, so
	// the binding holds the thread until gss_display_status) names the kvno.
	require.Contains(t, err.Error(), "kvno 2", "extended error text")
	require.NoError(t, os.Rename(next, path))

	deadline := time.Now().Add(5 * time.Second)
	for kt.Generations() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, 2, kt.Generations(), "the Keytab did not notice the new file")
	require.NoError(t, kt.LastError())
	require.NoError(t, keytabHandshake(p, target, newIni, kt), "kvno 2 ticket after the reload")
	before := ok.Load()
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		t.Fatalf("%d of %d handshakes failed during the rotation; first: %v", failed.Load(), failed.Load()+ok.Load(), *e)
	}
	require.Greater(t, ok.Load(), before, "old-kvno handshakes after the reload")
	// The first generation's credential was released at the swap and
	// freed with its last context: its memory keytab is given back.
	require.Equal(t, retired+1, keytabsRetired.Load(), "old memory keytab retired")
	t.Logf("%d handshakes under load, none failed; %d entries now", ok.Load(), kt.Entries())
}

// leakKeytab is TestLeakLoop's memory-keytab lifecycle: load a copy of the
// realm's keytab, accept with it, make a second generation (Reload after
// the file's time changed), accept again, release.
func leakKeytab(t *testing.T, p *Provider, dir string, i int) {
	path := filepath.Join(dir, "leak.keytab")
	b, err := os.ReadFile(strings.TrimPrefix(realm.Keytab, "FILE:"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	kt, err := LoadKeytab(path, KeytabConfig{CheckInterval: -1})
	require.NoError(t, err)
	target, err := p.ImportName(realm.Principal(targetHTTP), gss.NameKerberosPrincipal)
	require.NoError(t, err)
	defer target.Release()
	ini, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly)
	require.NoError(t, err)
	defer ini.Release()
	require.NoError(t, keytabHandshake(p, target, ini, kt))
	mt := time.Now().Add(time.Duration(i+1) * time.Second)
	require.NoError(t, os.Chtimes(path, mt, mt))
	changed, err := kt.Reload()
	require.NoError(t, err)
	require.True(t, changed)
	require.NoError(t, keytabHandshake(p, target, ini, kt))
	require.NoError(t, kt.Release())
}
