//go:build !windows && cgo

package gssapi_unix

import (
	"fmt"
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

// delegPair runs a handshake towards principal with flags and returns the
// pair and what the acceptor was delegated (released in cleanup).
func delegPair(t *testing.T, p *Provider, principal string, flags gss.Flags, opts ...gss.InitSecContextOption) (ini, acc *SecContext, deleg gss.Credential) {
	t.Helper()
	ini, acc = pair(t, p, principal, append([]gss.InitSecContextOption{gss.WithFlags(allFlagsLocal | flags)}, opts...)...)
	deleg, err := acc.DelegatedCredential()
	require.NoError(t, err)
	if deleg != nil {
		t.Cleanup(func() { deleg.Release() })
	}
	return ini, acc, deleg
}

func flagsOf(t *testing.T, c gss.SecContext) gss.Flags {
	t.Helper()
	info, err := c.Inquire()
	require.NoError(t, err)
	return info.Flags
}

// TestDelegationForwardedTGT: FlagDeleg forwards alice's TGT; the acceptor
// gets an initiator credential for alice that reaches another service as
// alice, and hands it over once.
func TestDelegationForwardedTGT(t *testing.T) {
	p := provider(t)
	ini, acc, deleg := delegPair(t, p, realm.Principal(targetHTTP), gss.FlagDeleg)
	require.NotNil(t, deleg, "no delegated credential for FlagDeleg with a forwardable TGT")
	assert.NotZero(t, flagsOf(t, ini)&gss.FlagDeleg, "initiator says it did not delegate")
	assert.NotZero(t, flagsOf(t, acc)&gss.FlagDeleg, "acceptor does not report the delegation")
	again, err := acc.DelegatedCredential()
	require.NoError(t, err)
	assert.Nil(t, again, "the credential is handed over once")

	info, err := deleg.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal(realm.User), info.Name)
	assert.Contains(t, info.Mechs, gss.MechKRB5)
	assert.True(t, info.ExpiresAt.After(time.Now()), "delegated credential has no future expiry: %v", info.ExpiresAt)
	assert.NotEqual(t, gss.CredAcceptOnly, info.Usage)

	// The second hop: the acceptor, as alice, to host/localhost.
	_, acc2 := pair(t, p, realm.Principal(testrealm.ServiceHost), gss.WithInitiatorCredential(deleg))
	info2, err := acc2.Inquire()
	require.NoError(t, err)
	assert.Equal(t, realm.Principal(realm.User), info2.InitiatorName)

	// Closing the context does not touch a credential it handed over.
	require.NoError(t, acc.Close())
	_, err = deleg.Inquire()
	require.NoError(t, err)
}

// TestDelegationNotRequested: no flag, no credential; the initiator does
// not claim a delegation either.
func TestDelegationNotRequested(t *testing.T) {
	p := provider(t)
	ini, acc, deleg := delegPair(t, p, realm.Principal(targetHTTP), 0)
	assert.Nil(t, deleg)
	assert.Zero(t, flagsOf(t, ini)&gss.FlagDeleg)
	assert.Zero(t, flagsOf(t, acc)&gss.FlagDeleg)
}

// TestDelegationPolicyFlag: FlagDelegPolicy forwards only to a service the
// KDC marked ok-as-delegate.
func TestDelegationPolicyFlag(t *testing.T) {
	p := provider(t)
	_, _, deleg := delegPair(t, p, realm.Principal(targetHTTP), gss.FlagDelegPolicy)
	assert.Nil(t, deleg, "policy flag delegated to a service not marked ok-as-delegate")
	ini, _, deleg := delegPair(t, p, realm.Principal(testrealm.ServiceOKAsDelegate), gss.FlagDelegPolicy)
	require.NotNil(t, deleg, "policy flag did not delegate to an ok-as-delegate service")
	assert.NotZero(t, flagsOf(t, ini)&gss.FlagDeleg)
	// FlagDeleg alone ignores the mark.
	_, _, deleg = delegPair(t, p, realm.Principal(targetHTTP), gss.FlagDeleg)
	assert.NotNil(t, deleg)
}

// TestDelegationStoreIntoCCacheMITTools: a delegated credential stored in a
// file ccache is used by MIT's own klist and kvno.
func TestDelegationStoreIntoCCacheMITTools(t *testing.T) {
	p := provider(t)
	for _, tool := range []string{"klist", "kvno"} {
		if _, err := lab.LookPath(tool); err != nil {
			lab.Unavailable(t, "%v (krb5-user)", err)
		}
	}
	_, _, deleg := delegPair(t, p, realm.Principal(targetHTTP), gss.FlagDeleg)
	require.NotNil(t, deleg)
	cc := "FILE:" + filepath.Join(t.TempDir(), "alice.ccache")
	require.NoError(t, gss.StoreCredential(deleg, cc))
	env := append(realm.Env(), "KRB5CCNAME="+cc)
	run := func(name string, args ...string) string {
		path, _ := lab.LookPath(name)
		cmd := exec.Command(path, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s %v: %s", name, args, out)
		return string(out)
	}
	assert.Contains(t, run("klist"), "Default principal: "+realm.Principal(realm.User))
	assert.Contains(t, run("kvno", realm.Principal(testrealm.ServiceHost)), "kvno =")
	assert.Contains(t, run("klist"), realm.Principal(testrealm.ServiceHost))
	err := gss.StoreCredential(deleg, "")
	assert.ErrorContains(t, err, "empty ccache name")
}

// TestDelegationErrors: misuse gives typed errors, never a crash.
func TestDelegationErrors(t *testing.T) {
	p := provider(t)
	ini, acc, deleg := delegPair(t, p, realm.Principal(targetHTTP), gss.FlagDeleg)
	require.NotNil(t, deleg)
	_, err := ini.DelegatedCredential()
	assert.ErrorIs(t, err, gss.ErrNoCred)
	fresh, err := p.AcceptSecContext()
	require.NoError(t, err)
	_, err = fresh.(*SecContext).DelegatedCredential()
	assert.ErrorIs(t, err, gss.ErrNoContext)
	fresh.Close()
	acc.Close()
	_, err = acc.DelegatedCredential()
	assert.ErrorIs(t, err, gss.ErrNoContext)
	require.NoError(t, deleg.Release())
	assert.ErrorIs(t, gss.StoreCredential(deleg, "MEMORY:x"), gss.ErrNoCred)
	_, err = ini.Inquire()
	require.NoError(t, err)
}

// TestDelegationConcurrent runs delegations and second hops in parallel
// (for -race), each credential inquired by two goroutines while its owner
// uses it for the second hop.
func TestDelegationConcurrent(t *testing.T) {
	p := provider(t)
	target := importTarget(t, p, realm.Principal(targetHTTP))
	host := importTarget(t, p, realm.Principal(testrealm.ServiceHost))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := delegateAndHop(p, target, host); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// delegateAndHop is one delegation and second hop without testing.T, for
// goroutines.
func delegateAndHop(p *Provider, target, host gss.Name) error {
	shake := func(to gss.Name, flags gss.Flags, cred gss.Credential) (*SecContext, error) {
		opts := []gss.InitSecContextOption{gss.WithFlags(allFlagsLocal | flags)}
		if cred != nil {
			opts = append(opts, gss.WithInitiatorCredential(cred))
		}
		ini, err := p.InitSecContext(to, opts...)
		if err != nil {
			return nil, err
		}
		defer ini.Close()
		acc, err := p.AcceptSecContext()
		if err != nil {
			return nil, err
		}
		tok, err := ini.Continue(nil)
		if err == nil {
			tok, err = acc.Continue(tok)
		}
		if err == nil {
			_, err = ini.Continue(tok)
		}
		if err != nil {
			acc.Close()
			return nil, err
		}
		return acc.(*SecContext), nil
	}
	acc, err := shake(target, gss.FlagDeleg, nil)
	if err != nil {
		return err
	}
	defer acc.Close()
	deleg, err := acc.DelegatedCredential()
	if err != nil || deleg == nil {
		return fmt.Errorf("no delegated credential: %v", err)
	}
	defer deleg.Release()
	var inner sync.WaitGroup
	innerErrs := make(chan error, 2)
	for k := 0; k < 2; k++ {
		inner.Add(1)
		go func() {
			defer inner.Done()
			if _, err := deleg.Inquire(); err != nil {
				innerErrs <- err
			}
		}()
	}
	acc2, err := shake(host, 0, deleg)
	inner.Wait()
	close(innerErrs)
	if err != nil {
		return err
	}
	defer acc2.Close()
	if err := <-innerErrs; err != nil {
		return err
	}
	info, err := acc2.Inquire()
	if err != nil {
		return err
	}
	if info.InitiatorName != realm.Principal(realm.User) {
		return fmt.Errorf("second hop authenticated %q", info.InitiatorName)
	}
	return nil
}
