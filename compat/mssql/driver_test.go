//go:build !windows

package mssqlgss_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/integratedauth"
	"github.com/microsoft/go-mssqldb/msdsn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mssqlgss "github.com/gssnego/gssnego/compat/mssql"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

// loginResponder answers the login part of TDS (MS-TDS 2.2) so that
// go-mssqldb's own connect path — dial, generateSpn, TDS 8.0 TLS,
// GenerateCBTFromTLSConnState, GetIntegratedAuthenticator,
// SetChannelBinding, LOGIN7 with InitialBytes, the SSPI message loop —
// runs unchanged against gssnego's acceptor. It is not SQL Server: it
// knows PRELOGIN, LOGIN7, SSPI and LOGINACK and nothing else, and says
// nothing about what SQL Server accepts (docs/compat.md).
type loginResponder struct {
	cert     tls.Certificate
	cb       func(tls.ConnectionState) *gss.ChannelBindings // acceptor's bindings
	provider gss.Provider
	result   chan loginResult
	hold     chan struct{}
	// omitFinal drops the acceptor's final token (its AP-REP) and sends
	// LOGINACK alone, as a server that does not prove itself would.
	omitFinal bool
}

type loginResult struct {
	user string
	rec  negotiate.Record
	err  error
}

// TDS packet types and tokens used here.
const (
	tdsReply    = 0x04
	tdsLogin7   = 0x10
	tdsSSPI     = 0x11
	tdsPrelogin = 0x12

	tokLoginAck = 0xad
	tokSSPI     = 0xed
	tokDone     = 0xfd
	tokError    = 0xaa
)

func (lr *loginResponder) serve(l net.Listener) {
	c, err := l.Accept()
	if err != nil {
		lr.result <- loginResult{err: err}
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	res := lr.login(c)
	lr.result <- res
	// Keep the connection until the driver is done with it.
	<-lr.hold
}

func (lr *loginResponder) login(raw net.Conn) loginResult {
	// TDS 8.0 ("encrypt=strict"): TLS first, capped at 1.2 so that
	// go-mssqldb makes a tls-unique channel binding.
	tc := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{lr.cert}, MaxVersion: tls.VersionTLS12, NextProtos: []string{"tds/8.0"}})
	if err := tc.Handshake(); err != nil {
		return loginResult{err: fmt.Errorf("TLS: %w", err)}
	}
	typ, _, err := readPacket(tc)
	if err != nil || typ != tdsPrelogin {
		return loginResult{err: fmt.Errorf("PRELOGIN: type %#x, %v", typ, err)}
	}
	// VERSION and ENCRYPTION (ENCRYPT_NOT_SUP: TLS is already on).
	pre := []byte{0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 0, 0, 0, 0, 2}
	if err := writePacket(tc, tdsReply, pre); err != nil {
		return loginResult{err: err}
	}
	typ, login7, err := readPacket(tc)
	if err != nil || typ != tdsLogin7 || len(login7) < 82 {
		return loginResult{err: fmt.Errorf("LOGIN7: type %#x, %d bytes, %v", typ, len(login7), err)}
	}
	ib, cb := binary.LittleEndian.Uint16(login7[78:]), binary.LittleEndian.Uint16(login7[80:])
	if int(ib)+int(cb) > len(login7) || cb == 0 {
		return loginResult{err: fmt.Errorf("LOGIN7 without SSPI data (ib %d cb %d)", ib, cb)}
	}
	tok := login7[ib : ib+cb]
	s, err := negotiate.NewServer(negotiate.Config{Provider: lr.provider, ChannelBindings: lr.cb(tc.ConnectionState())})
	if err != nil {
		return loginResult{err: err}
	}
	defer s.Close()
	for {
		out, err := s.Continue(tok)
		if err != nil {
			_ = writePacket(tc, tdsReply, append(errorToken("Login failed: "+err.Error()), doneToken(0x02)...))
			return loginResult{err: err, rec: s.Record()}
		}
		if !s.ContinueNeeded() {
			// The acceptor's final token (accept-completed with the
			// AP-REP) goes in an SSPI message of its own, then the
			// LOGINACK without waiting for an answer: go-mssqldb stops
			// reading a response at an SSPI token and sends nothing when
			// NextBytes returns nothing.
			if len(out) > 0 && !lr.omitFinal {
				if err := writePacket(tc, tdsReply, sspiToken(out)); err != nil {
					return loginResult{err: err}
				}
			}
			if err := writePacket(tc, tdsReply, append(loginAckToken(), doneToken(0)...)); err != nil {
				return loginResult{err: err}
			}
			info, err := s.Inquire()
			if err != nil {
				return loginResult{err: err}
			}
			return loginResult{user: info.InitiatorName, rec: s.Record()}
		}
		if err := writePacket(tc, tdsReply, sspiToken(out)); err != nil {
			return loginResult{err: err}
		}
		if typ, tok, err = readPacket(tc); err != nil || typ != tdsSSPI {
			return loginResult{err: fmt.Errorf("SSPI message: type %#x, %v", typ, err)}
		}
	}
}

func readPacket(r io.Reader) (typ byte, body []byte, err error) {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return 0, nil, err
		}
		n := int(binary.BigEndian.Uint16(hdr[2:]))
		if n < 8 {
			return 0, nil, errors.New("TDS packet shorter than its header")
		}
		part := make([]byte, n-8)
		if _, err := io.ReadFull(r, part); err != nil {
			return 0, nil, err
		}
		typ, body = hdr[0], append(body, part...)
		if hdr[1]&0x01 != 0 { // end of message
			return typ, body, nil
		}
	}
}

func writePacket(w io.Writer, typ byte, body []byte) error {
	hdr := []byte{typ, 0x01, 0, 0, 0, 0, 1, 0}
	binary.BigEndian.PutUint16(hdr[2:], uint16(8+len(body)))
	_, err := w.Write(append(hdr, body...))
	return err
}

func sspiToken(b []byte) []byte {
	return append([]byte{tokSSPI, byte(len(b)), byte(len(b) >> 8)}, b...)
}

func ucs2(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func loginAckToken() []byte {
	name := "gssnego test responder"
	body := []byte{1, 0x74, 0, 0, 4} // interface SQL_TSQL, TDS 7.4
	body = append(append(append(body, byte(len(name))), ucs2(name)...), 16, 0, 0, 0)
	return append([]byte{tokLoginAck, byte(len(body)), byte(len(body) >> 8)}, body...)
}

func doneToken(status uint16) []byte {
	b := make([]byte, 13)
	b[0] = tokDone
	binary.LittleEndian.PutUint16(b[1:], status)
	return b
}

func errorToken(msg string) []byte {
	m, server := ucs2(msg), ucs2("gssnego")
	body := []byte{0x12, 0x48, 0, 0, 1, 14} // number 18456, state 1, class 14
	body = append(append(body, byte(len(msg)), byte(len(msg)>>8)), m...)
	body = append(append(body, byte(len("gssnego"))), server...)
	body = append(body, 0, 0, 0, 0, 0) // no procedure, line 0
	return append([]byte{tokError, byte(len(body)), byte(len(body) >> 8)}, body...)
}

// observed wraps the provider to see what the driver did with the
// authenticator: the SPN it computed, and whether the exchange was complete
// (mutual authentication verified) when the driver freed it.
type observed struct {
	*mssqlgss.Authenticator
	spn         chan string
	established chan bool
}

func (o *observed) Free() {
	o.established <- o.Authenticator.Established()
	o.Authenticator.Free()
}

var observedOnce sync.Once

// observe registers "gssnego-observed" (once per binary) and returns the
// channels its authenticators report on.
func observe(t *testing.T) (spn chan string, established chan bool) {
	t.Helper()
	spn, established = make(chan string, 1), make(chan bool, 1)
	observedOnce.Do(func() {
		require.NoError(t, integratedauth.SetIntegratedAuthenticationProvider("gssnego-observed",
			integratedauth.ProviderFunc(func(cfg msdsn.Config) (integratedauth.IntegratedAuthenticator, error) {
				a, err := mssqlgss.AuthProvider.GetIntegratedAuthenticator(cfg)
				if err != nil {
					return nil, err
				}
				o := observers.Load().(*observed)
				o.Authenticator = a.(*mssqlgss.Authenticator)
				o.spn <- o.SPN()
				return o, nil
			})))
	})
	observers.Store(&observed{spn: spn, established: established})
	return spn, established
}

var observers atomic.Value

// TestDriverLogin runs go-mssqldb's real Connector.Connect with
// authenticator=gssnego and EPA on against the login responder: the SPN
// the driver computes for "localhost:PORT" must have a key, the channel
// binding of the TDS 8.0 TLS session must reach the acceptor, and a
// binding to another session must be refused.
func TestDriverLogin(t *testing.T) {
	r, p := realm(t)
	key, der := certificate(t)
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	// encrypt=strict verifies the server certificate: trust ours.
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	for _, tc := range []struct {
		name      string
		epa       bool
		cb        func(tls.ConnectionState) *gss.ChannelBindings
		omitFinal bool
		wantErr   bool
		extra     string // more connection string parameters
	}{
		{"EPA", true, serverBindings, false, false, ""},
		{"EPAWrongBinding", true, func(tls.ConnectionState) *gss.ChannelBindings {
			return &gss.ChannelBindings{ApplicationData: []byte("tls-unique:another session")}
		}, false, true, ""},
		{"NoEPA", false, noBindings, false, false, ""},
		{"ServerNeverProvesItself", false, noBindings, true, false, ""},
		{"NTLMWithEPA", true, serverBindings, false, false, "&gssnego-mechs=ntlm"},
		{"NTLMWrongBinding", true, func(tls.ConnectionState) *gss.ChannelBindings {
			return &gss.ChannelBindings{ApplicationData: []byte("tls-unique:another session")}
		}, false, true, "&gssnego-mechs=ntlm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ntlm := tc.extra != ""
			if ntlm {
				needNTLM(t, r, p)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer l.Close()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			r.AddService(t, "MSSQLSvc/localhost:"+port)
			lr := &loginResponder{cert: cert, cb: tc.cb, provider: p, omitFinal: tc.omitFinal,
				result: make(chan loginResult, 1), hold: make(chan struct{})}
			defer close(lr.hold)
			go lr.serve(l)
			spn, established := observe(t)
			dsn := fmt.Sprintf("sqlserver://localhost:%s?authenticator=gssnego-observed&encrypt=strict&certificate=%s&epa+enabled=%t&dial+timeout=10%s",
				port, url.QueryEscape(caFile), tc.epa, tc.extra)
			conn, err := mssql.NewConnector(dsn)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dc, cerr := conn.Connect(ctx)
			res := within(t, lr.result, "the responder's result")
			assert.Equal(t, "MSSQLSvc/localhost:"+port, within(t, spn, "the authenticator"), "the SPN go-mssqldb's dialer computed")
			done := within(t, established, "the driver's Free")
			if tc.wantErr {
				require.Error(t, cerr, "the driver must fail the login")
				if ntlm {
					// gss-ntlmssp 1.2 reports the mismatch as a defective
					// token (minor EACCES), not GSS_S_BAD_BINDINGS.
					assert.ErrorIs(t, res.err, gss.ErrDefectiveToken)
				} else {
					assert.ErrorIs(t, res.err, gss.ErrBadBindings)
				}
				return
			}
			require.NoError(t, res.err, "acceptor")
			require.NoError(t, cerr, "driver")
			dc.Close()
			if ntlm {
				assert.Equal(t, gss.MechNTLMSSP, res.rec.Selected)
				assert.Equal(t, `GSSNEGO\`+r.User, res.user)
			} else {
				assert.Equal(t, r.Principal(r.User), res.user)
				assert.True(t, res.rec.Selected.IsKerberos())
			}
			if tc.omitFinal {
				// go-mssqldb ends the login at LOGINACK and never asks the
				// authenticator whether the server proved itself.
				assert.False(t, done, "without the AP-REP the client cannot have verified the server")
			} else {
				assert.True(t, done, "the client verified the server (AP-REP) before the driver freed it")
			}
		})
	}
}

// within receives from ch, failing the test after a generous hang guard.
func within[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(90 * time.Second):
		t.Fatalf("no %s within 90 s", what)
		panic("unreachable")
	}
}

func noBindings(tls.ConnectionState) *gss.ChannelBindings { return nil }
