//go:build !windows

package mssqlgss_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microsoft/go-mssqldb/integratedauth"
	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mssqlgss "github.com/gssnego/gssnego/compat/mssql"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/mechtoken"
	"github.com/gssnego/gssnego/platform"
)

func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }

// The SQL Server host of the tests and its SPN as go-mssqldb computes it.
const (
	sqlHost = "sql.gssnego.test"
	sqlSPN  = "MSSQLSvc/sql.gssnego.test:1433"
	// noKrbHost has no principal in the realm: Kerberos cannot start.
	noKrbHost = "nokerberos.gssnego.test"
)

var addSQLService sync.Once

// realm returns the shared realm with the SQL Server service in its keytab.
func realm(t *testing.T) (*testrealm.Realm, gss.Provider) {
	t.Helper()
	r := testrealm.Shared(t)
	addSQLService.Do(func() { r.AddService(t, sqlSPN) })
	p, err := platform.Provider()
	require.NoError(t, err)
	return r, p
}

// authenticator does what go-mssqldb's connect does: parse the connection
// string, look the provider up by the authenticator= name, hand it the
// channel binding (if any) before InitialBytes.
func authenticator(t *testing.T, connStr string, cbt *integratedauth.ChannelBindings) *mssqlgss.Authenticator {
	t.Helper()
	cfg, err := msdsn.Parse(connStr)
	require.NoError(t, err)
	ia, err := integratedauth.GetIntegratedAuthenticator(cfg)
	require.NoError(t, err)
	t.Cleanup(ia.Free)
	if cbt != nil {
		epa, ok := ia.(integratedauth.AuthenticatorWithEPA)
		require.True(t, ok, "the authenticator must take channel bindings (EPA)")
		epa.SetChannelBinding(cbt)
	}
	a, ok := ia.(*mssqlgss.Authenticator)
	require.True(t, ok, "authenticator=gssnego gave %T", ia)
	return a
}

// login runs the SSPI part of a TDS login against acceptor: LOGIN7 carries
// InitialBytes, each SSPI message from the server goes to NextBytes, and a
// reply is sent only when it is not empty (go-mssqldb's connect loop).
func login(t *testing.T, a *mssqlgss.Authenticator, acceptor *negotiate.Server) (clientErr, serverErr error) {
	t.Helper()
	tok, err := a.InitialBytes()
	if err != nil {
		return err, nil
	}
	for i := 0; i < 10; i++ {
		out, err := acceptor.Continue(tok)
		if err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, nil
		}
		tok, err = a.NextBytes(out)
		if err != nil {
			return err, nil
		}
		if len(tok) == 0 {
			if acceptor.ContinueNeeded() {
				return nil, errors.New("test: the server needs more but the client sent nothing")
			}
			return nil, nil
		}
	}
	return nil, errors.New("test: exchange did not end in 10 legs")
}

func newAcceptor(t *testing.T, p gss.Provider, cb *gss.ChannelBindings) *negotiate.Server {
	t.Helper()
	s, err := negotiate.NewServer(negotiate.Config{Provider: p, ChannelBindings: cb})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func initiatorName(t *testing.T, s *negotiate.Server) string {
	t.Helper()
	info, err := s.Inquire()
	require.NoError(t, err)
	require.True(t, info.Established)
	return info.InitiatorName
}

// TestInteropMITLoginKerberos: the provider, found by name from a parsed
// connection string, logs alice in to an MIT acceptor holding the
// MSSQLSvc key, by the SPN go-mssqldb computes or the one given.
func TestInteropMITLoginKerberos(t *testing.T) {
	r, p := realm(t)
	for _, tc := range []struct{ name, connStr string }{
		{"URL", "sqlserver://" + sqlHost + "?authenticator=gssnego"},
		{"ADO", "server=" + sqlHost + ";port=1433;authenticator=gssnego"},
		{"ServerSPN", "server=10.0.0.1;authenticator=gssnego;ServerSPN=" + sqlSPN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := authenticator(t, tc.connStr, nil)
			assert.Equal(t, sqlSPN, a.SPN())
			s := newAcceptor(t, p, nil)
			cerr, serr := login(t, a, s)
			require.NoError(t, cerr, "client")
			require.NoError(t, serr, "server")
			assert.True(t, a.Established(), "the client must have verified the server (mutual authentication)")
			assert.Equal(t, r.Principal(r.User), initiatorName(t, s))
			assert.True(t, a.Record().Selected.IsKerberos(), "selected %v", a.Record().Selected)
		})
	}
}

// TestInteropMITLoginExplicitCredentials: "user id" + password, and a
// credential cache named by krb5-credcachefile, instead of KRB5CCNAME.
func TestInteropMITLoginExplicitCredentials(t *testing.T) {
	r, p := realm(t)
	t.Run("Password", func(t *testing.T) {
		a := authenticator(t, "server="+sqlHost+";authenticator=gssnego;user id="+r.Principal(r.User)+";password="+r.Password, nil)
		s := newAcceptor(t, p, nil)
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr)
		assert.Equal(t, r.Principal(r.User), initiatorName(t, s))
	})
	t.Run("CredCache", func(t *testing.T) {
		bob := otherUser(t, r)
		ccache := filepath.Join(t.TempDir(), "bob.cc")
		r.Kinit(t, bob, "bob-password", "FILE:"+ccache)
		a := authenticator(t, "server="+sqlHost+";authenticator=gssnego;krb5-credcachefile=FILE:"+ccache, nil)
		s := newAcceptor(t, p, nil)
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr)
		assert.Equal(t, r.Principal(bob), initiatorName(t, s))
	})
}

var addBob sync.Once

// otherUser adds a second user (once per binary) and returns its name.
func otherUser(t *testing.T, r *testrealm.Realm) string {
	addBob.Do(func() { r.AddUser(t, "mssqlbob", "bob-password") })
	return "mssqlbob"
}

// tlsPair runs a TLS 1.2 handshake over a pipe and returns both sides'
// connection states: their tls-unique values match, and differ from any
// other handshake's.
func tlsPair(t *testing.T) (client, server tls.ConnectionState) {
	t.Helper()
	key, der := certificate(t)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	srv := tls.Server(c2, &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MaxVersion:   tls.VersionTLS12,
	})
	cli := tls.Client(c1, &tls.Config{ServerName: sqlHost, RootCAs: roots, MaxVersion: tls.VersionTLS12})
	done := make(chan error, 1)
	go func() { done <- srv.Handshake() }()
	require.NoError(t, cli.Handshake())
	require.NoError(t, <-done)
	return cli.ConnectionState(), srv.ConnectionState()
}

// certificate makes a self-signed certificate for sqlHost.
func certificate(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: sqlHost}, DNSNames: []string{sqlHost, "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return key, der
}

// serverBindings is what an acceptor that knows the TLS session expects:
// the tls-unique application data go-mssqldb's EPA makes for TLS 1.2.
func serverBindings(st tls.ConnectionState) *gss.ChannelBindings {
	return &gss.ChannelBindings{ApplicationData: append([]byte(integratedauth.TLS_UNIQUE_PREFIX), st.TLSUnique...)}
}

// TestInteropMITLoginChannelBindings: go-mssqldb's EPA channel binding
// (tls-unique of the login's TLS session, GenerateCBTFromTLSConnState),
// handed to SetChannelBinding, reaches the Kerberos authenticator and the
// acceptor checks it: the same TLS session passes, another is refused.
func TestInteropMITLoginChannelBindings(t *testing.T) {
	r, p := realm(t)
	cliState, srvState := tlsPair(t)
	_, otherState := tlsPair(t)
	cbt, err := integratedauth.GenerateCBTFromTLSConnState(cliState)
	require.NoError(t, err)
	require.NotNil(t, cbt, "TLS 1.2 gives a tls-unique binding")
	connStr := "server=" + sqlHost + ";authenticator=gssnego;epa enabled=true"

	t.Run("Match", func(t *testing.T) {
		a := authenticator(t, connStr, cbt)
		s := newAcceptor(t, p, serverBindings(srvState))
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr)
		assert.Equal(t, r.Principal(r.User), initiatorName(t, s))
	})
	t.Run("Mismatch", func(t *testing.T) {
		a := authenticator(t, connStr, cbt)
		s := newAcceptor(t, p, serverBindings(otherState))
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.Error(t, serr, "the acceptor must refuse a binding to another TLS session")
		assert.ErrorIs(t, serr, gss.ErrBadBindings)
	})
	t.Run("ClientWithoutBindings", func(t *testing.T) {
		// MIT's acceptor lets an initiator that sent no bindings in, even
		// when it has some itself (RFC 4121 §4.1.1.2 leaves it to the
		// acceptor); SQL Server's "Extended Protection = Required" does not.
		a := authenticator(t, connStr, nil)
		s := newAcceptor(t, p, serverBindings(srvState))
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr, "MIT 1.20 accepts a context without bindings")
	})
	t.Run("EmptyBindingsAreNone", func(t *testing.T) {
		a := authenticator(t, connStr, integratedauth.EmptyChannelBindings)
		s := newAcceptor(t, p, nil)
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr)
	})
}

// TestInteropMITLoginNTLMFallback: the server's host has no Kerberos
// principal, so the Kerberos mechanisms are dropped and NTLM (gss-ntlmssp)
// logs alice in, bound to the TLS session like Kerberos.
func TestInteropMITLoginNTLMFallback(t *testing.T) {
	r, p := realm(t)
	needNTLM(t, r, p)
	cliState, srvState := tlsPair(t)
	_, otherState := tlsPair(t)
	cbt, err := integratedauth.GenerateCBTFromTLSConnState(cliState)
	require.NoError(t, err)
	connStr := "server=" + noKrbHost + ";authenticator=gssnego"

	t.Run("Login", func(t *testing.T) {
		a := authenticator(t, connStr, cbt)
		s := newAcceptor(t, p, serverBindings(srvState))
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.NoError(t, serr)
		assert.Equal(t, gss.MechNTLMSSP, a.Record().Selected)
		assert.Equal(t, []gss.OID{gss.MechNTLMSSP}, a.Record().MechTypes, "Kerberos dropped from the offer")
		assert.Contains(t, strings.ToLower(initiatorName(t, s)), r.User)
	})
	t.Run("BindingMismatch", func(t *testing.T) {
		a := authenticator(t, connStr, cbt)
		s := newAcceptor(t, p, serverBindings(otherState))
		cerr, serr := login(t, a, s)
		require.NoError(t, cerr)
		require.Error(t, serr, "gss-ntlmssp must refuse a binding to another TLS session")
	})
	t.Run("KerberosOnly", func(t *testing.T) {
		a := authenticator(t, connStr+";gssnego-mechs=ms-krb5,krb5", nil)
		_, err := a.InitialBytes()
		requireStep(t, err, mssqlgss.StepInitiate, 0)
		assert.ErrorIs(t, err, negotiate.ErrNoCommonMech)
	})
}

// needNTLM skips on Heimdal (its own NTLM, not gss-ntlmssp) and where the
// provider has no NTLM (lab.NeedMech: the pure-Go provider), ends the test
// through the lab policy without gss-ntlmssp, and points gss-ntlmssp at a
// user file holding alice for both sides.
func needNTLM(t *testing.T, r *testrealm.Realm, p gss.Provider) {
	t.Helper()
	if strings.HasPrefix(p.Name(), "Heimdal") {
		t.Skipf("%s links its own NTLM mechanism, not gss-ntlmssp", p.Name())
	}
	lab.NeedMech(t, p, gss.MechNTLMSSP)
	users := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(users, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	t.Setenv("NTLM_USER_FILE", users)
}

func containsOID(list []gss.OID, o gss.OID) bool {
	for _, m := range list {
		if m == o {
			return true
		}
	}
	return false
}

// requireStep checks err is an *mssqlgss.Error naming step (and server
// token number) whose text says where.
func requireStep(t *testing.T, err error, step mssqlgss.Step, token int) *mssqlgss.Error {
	t.Helper()
	require.Error(t, err)
	var e *mssqlgss.Error
	require.ErrorAs(t, err, &e, "%T: %v", err, err)
	assert.Equal(t, step, e.Step, "%v", err)
	assert.Equal(t, token, e.Token, "%v", err)
	// The step leads, after a gss.Fault's cause and fix when there is one.
	assert.True(t, strings.HasPrefix(err.Error(), "mssqlgss: "), "%v", err)
	assert.Contains(t, err.Error(), string(step)+" ", "%v", err)
	return e
}

// TestInteropMITLoginFailures: a bad or truncated server token, a server
// that rejects, a server that goes away mid-login, and absent or expired
// tickets each give an *Error naming the step; nothing hangs or panics.
func TestInteropMITLoginFailures(t *testing.T) {
	_, p := realm(t)
	connStr := "server=" + sqlHost + ";authenticator=gssnego;gssnego-mechs=ms-krb5,krb5"

	// serverReply is the acceptor's real first reply (NegTokenResp + AP-REP).
	serverReply := func(t *testing.T) (*mssqlgss.Authenticator, []byte) {
		a := authenticator(t, connStr, nil)
		tok, err := a.InitialBytes()
		require.NoError(t, err)
		s := newAcceptor(t, p, nil)
		out, err := s.Continue(tok)
		require.NoError(t, err)
		require.NotEmpty(t, out)
		return a, out
	}
	t.Run("GarbageToken", func(t *testing.T) {
		a, _ := serverReply(t)
		_, err := a.NextBytes([]byte("\x04\x01\x00\x10not a SPNEGO token"))
		requireStep(t, err, mssqlgss.StepContinue, 1)
		assert.ErrorIs(t, err, mechtoken.ErrMalformed)
	})
	t.Run("TruncatedToken", func(t *testing.T) {
		a, out := serverReply(t)
		_, err := a.NextBytes(out[:len(out)/2])
		requireStep(t, err, mssqlgss.StepContinue, 1)
		assert.ErrorIs(t, err, mechtoken.ErrMalformed)
	})
	t.Run("TamperedAPREP", func(t *testing.T) {
		a, out := serverReply(t)
		bad := append([]byte(nil), out...)
		bad[len(bad)-3] ^= 0xff // inside the AP-REP's encrypted part
		_, err := a.NextBytes(bad)
		requireStep(t, err, mssqlgss.StepContinue, 1)
		assert.False(t, a.Established())
	})
	t.Run("Reject", func(t *testing.T) {
		a, _ := serverReply(t)
		reject, err := (&negotiate.Token{Kind: negotiate.KindResp, NegState: negotiate.NegStateReject}).Marshal()
		require.NoError(t, err)
		_, err = a.NextBytes(reject)
		requireStep(t, err, mssqlgss.StepContinue, 1)
		assert.ErrorIs(t, err, negotiate.ErrRejected)
	})
	t.Run("ServerGoneMidLogin", func(t *testing.T) {
		// The driver's read fails and its deferred Free runs: the
		// authenticator holds no connection, so nothing can block; a late
		// NextBytes is refused.
		a, out := serverReply(t)
		a.Free()
		a.Free()
		_, err := a.NextBytes(out)
		requireStep(t, err, mssqlgss.StepContinue, 1)
		assert.ErrorIs(t, err, mssqlgss.ErrFreed)
	})
	t.Run("NoTicket", func(t *testing.T) {
		empty := "FILE:" + filepath.Join(t.TempDir(), "empty.cc")
		a := authenticator(t, connStr+";krb5-credcachefile="+empty, nil)
		_, err := a.InitialBytes()
		e := requireStep(t, err, mssqlgss.StepAcquireCredential, 0)
		assert.ErrorIs(t, e, gss.ErrNoCred)
		if !strings.HasPrefix(p.Name(), "Heimdal") {
			// Heimdal imports a named ccache or keytab through one call
			// and says only ENOENT: not recognisable as a missing ticket.
			assert.ErrorIs(t, e, gss.ErrNoTicket)
		}
	})
	t.Run("ExpiredTicket", func(t *testing.T) {
		// MIT forgives an expired ticket for the clock skew (300 s): a
		// realm of its own with clockskew = 1 makes the KDC and this
		// process's library strict.
		strict := testrealm.Start(t)
		strict.StrictClock(t, 1)
		strict.AddService(t, sqlSPN)
		t.Setenv("KRB5_CONFIG", strict.Krb5Conf)
		ccache := expiredCCache(t, strict)
		a := authenticator(t, connStr+";krb5-credcachefile="+ccache, nil)
		_, err := a.InitialBytes()
		require.Error(t, err)
		var e *mssqlgss.Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, []mssqlgss.Step{mssqlgss.StepAcquireCredential, mssqlgss.StepInitiate}, e.Step, "%v", err)
		// MIT sends the TGS-REQ and gets KRB5KRB_AP_ERR_TKT_EXPIRED;
		// Heimdal skips the expired TGT: KRB5_CC_NOTFOUND (gss's faults).
		assert.True(t, errors.Is(err, gss.ErrTicketExpired) || errors.Is(err, gss.ErrNoTicket), "%v", err)
	})
	t.Run("BadParameters", func(t *testing.T) {
		for _, cs := range []string{
			connStr + ";gssnego-mechs=krb5,kerberos",
			"server=" + sqlHost + ";authenticator=gssnego;password=x",
			"server=" + sqlHost + ";authenticator=gssnego;krb5-keytabfile=/nonexistent",
		} {
			cfg, err := msdsn.Parse(cs)
			require.NoError(t, err)
			_, err = integratedauth.GetIntegratedAuthenticator(cfg)
			requireStep(t, err, mssqlgss.StepConfig, 0)
			assert.ErrorIs(t, err, mssqlgss.ErrConfig)
		}
	})
	t.Run("InitialBytesTwice", func(t *testing.T) {
		a, _ := serverReply(t)
		_, err := a.InitialBytes()
		requireStep(t, err, mssqlgss.StepInitiate, 0)
	})
}

// expiredCCache gets alice a 5-second TGT and waits until klist says it
// has expired, plus the realm's clock skew (StrictClock).
func expiredCCache(t *testing.T, r *testrealm.Realm) string {
	t.Helper()
	tools := lab.NeedCommand(t, "kinit", "klist")
	ccache := "FILE:" + filepath.Join(t.TempDir(), "expired.cc")
	kinit := exec.Command(tools[0], "-l", "5s", "-c", ccache, r.User)
	kinit.Env = append(os.Environ(), r.Env()...)
	kinit.Stdin = strings.NewReader(r.Password + "\n")
	out, err := kinit.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deadline := time.Now().Add(60 * time.Second)
	for {
		klist := exec.Command(tools[1], "-s", "-c", ccache)
		klist.Env = append(os.Environ(), r.Env()...)
		if klist.Run() != nil {
			// Past the end time; wait out the 1 s clock skew as well.
			time.Sleep(2 * time.Second)
			return ccache
		}
		require.True(t, time.Now().Before(deadline), "the 5 s ticket in %s never expired", ccache)
		time.Sleep(500 * time.Millisecond)
	}
}
