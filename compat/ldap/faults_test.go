//go:build linux

package ldapgss

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
)

// faultProxy forwards a client to the real server at addr and hands each
// whole LDAP message from the server, in order, to rewrite, which returns
// what the client gets (nil: close both connections). After `messages`
// messages the rest of the stream (SASL buffers by then) goes to rawFlip,
// which may change it in place.
func faultProxy(t *testing.T, addr string, messages int, rewrite func(i int, msg []byte) []byte, rawFlip func(b []byte)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		cli, err := ln.Accept()
		if err != nil {
			return
		}
		srv, err := net.Dial("tcp", addr)
		if err != nil {
			cli.Close()
			return
		}
		defer cli.Close()
		defer srv.Close()
		go func() { _, _ = io.Copy(srv, cli); srv.Close() }()
		br := bufio.NewReader(srv)
		for i := 0; i < messages; i++ {
			msg, err := readPDU(br, 0)
			if err != nil {
				return
			}
			out := rewrite(i, msg)
			if out == nil {
				return
			}
			if _, err := cli.Write(out); err != nil {
				return
			}
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				if rawFlip != nil {
					rawFlip(buf[:n])
					rawFlip = nil
				}
				if _, err := cli.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return ln.Addr().String()
}

// flipLast flips the last octet of message n: the end of serverSaslCreds
// in a BindResponse, i.e. inside the GSS token.
func flipLast(n int) func(int, []byte) []byte {
	return func(i int, msg []byte) []byte {
		if i == n {
			msg[len(msg)-1] ^= 0x01
		}
		return msg
	}
}

// TestSlapdFaults binds to slapd through a man in the middle that damages
// the server's tokens or cuts the connection: each case ends in a typed
// error naming the step, never a hang or a panic.
func TestSlapdFaults(t *testing.T) {
	_, s := startSlapd(t, 0)
	keep := func(int, []byte) []byte { return nil }
	for _, tc := range []struct {
		name    string
		rewrite func(int, []byte) []byte
		step    Step
		token   int
	}{
		{"bad-AP-REP", flipLast(0), StepContinue, 1},
		{"bad-layer-offer", flipLast(1), StepSecurityLayer, 2},
		{"closed-after-first-token", keep, StepServerReply, 1},
		{"closed-before-bind-result", func(i int, m []byte) []byte {
			if i == 2 {
				return nil
			}
			return m
		}, StepServerReply, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, sc := dial(t, faultProxy(t, s.Addr, 3, tc.rewrite, nil))
			be := wantBindError(t, newClient(t, WithConn(sc)).Bind(l, s.SPN(), ""), tc.step, nil)
			var ge *gss.Error
			if tc.step != StepServerReply && !errors.As(be, &ge) {
				t.Fatalf("want the GSS error underneath, got %v", be)
			}
			if be.Token != tc.token {
				t.Fatalf("failed after token %d, want %d", be.Token, tc.token)
			}
			if sc.Layer() != LayerNone {
				t.Fatalf("layer %v after a failed bind", sc.Layer())
			}
		})
	}
	t.Run("bad-sealed-buffer", func(t *testing.T) {
		l, sc := dial(t, faultProxy(t, s.Addr, 3, func(_ int, m []byte) []byte { return m },
			func(b []byte) { b[len(b)/2] ^= 0x01 }))
		if err := newClient(t, WithConn(sc)).Bind(l, s.SPN(), ""); err != nil {
			t.Fatal(err)
		}
		_, err := l.WhoAmI(nil)
		if err == nil {
			t.Fatal("WhoAmI answered through a damaged sealed buffer")
		}
		t.Logf("WhoAmI: %v; go-ldap's reader: %v", err, sc.readErr())
		var le *LayerError
		if !errors.As(sc.readErr(), &le) || le.Op != "read" || le.Buffer != 1 {
			t.Fatalf("Conn read error %v, want a LayerError for buffer 1", sc.readErr())
		}
	})
}

// TestSlapdTickets binds without a ticket and with an expired one.
func TestSlapdTickets(t *testing.T) {
	r, s := startSlapd(t, 0)
	t.Run("absent", func(t *testing.T) {
		t.Setenv("KRB5CCNAME", "FILE:"+filepath.Join(t.TempDir(), "none"))
		l, sc := dial(t, s.Addr)
		wantBindError(t, newClient(t, WithConn(sc)).Bind(l, s.SPN(), ""), StepInitiate, gss.ErrNoTicket)
	})
	t.Run("expired", func(t *testing.T) {
		kinit := lab.NeedCommand(t, "kinit", "kvno")
		cc := "FILE:" + filepath.Join(t.TempDir(), "short")
		cmd := exec.Command(kinit[0], "-l", "2s", "-c", cc, r.Principal(r.User))
		cmd.Env = append(os.Environ(), r.Env()...)
		cmd.Stdin = strings.NewReader(r.Password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kinit -l 2s: %v: %s", err, out)
		}
		// Wait until the KDC calls the TGT expired: kvno for another
		// service fails (hang guard 60 s).
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			check := exec.Command(kinit[1], "-c", cc, "HTTP/localhost")
			check.Env = append(os.Environ(), r.Env()...)
			if check.Run() != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the 2-second ticket did not expire")
			}
		}
		t.Setenv("KRB5CCNAME", cc)
		l, sc := dial(t, s.Addr)
		be := wantBindError(t, newClient(t, WithConn(sc)).Bind(l, s.SPN(), ""), StepInitiate, nil)
		// MIT says "Ticket expired"; Heimdal drops the expired TGT and
		// says "Matching credential not found".
		if !errors.Is(be, gss.ErrTicketExpired) && !(heimdal && errors.Is(be, gss.ErrNoTicket)) {
			t.Fatalf("want ErrTicketExpired, got %v", be)
		}
	})
}

// TestAdapterFaults: no ticket, an expired ticket and an unreachable KDC
// against the real slapd and MIT KDC give the gss faults every adapter
// gives (testrealm.CheckAdapterFaults), at StepInitiate, with the message
// leading with the cause.
func TestAdapterFaults(t *testing.T) {
	r, s := startSlapd(t, 0)
	r.CheckAdapterFaults(t, r.Principal(r.User), r.Password, func(t *testing.T) error {
		l, sc := dial(t, s.Addr)
		err := newClient(t, WithConn(sc)).Bind(l, s.SPN(), "")
		var be *BindError
		if !errors.As(err, &be) {
			t.Fatalf("%v is not a *BindError", err)
		}
		if be.Step != StepInitiate {
			t.Errorf("step %q, want %q", be.Step, StepInitiate)
		}
		return be
	})
}

// TestUnknownSPN: an SPN the KDC does not know leads the message with
// that, and names where the SPN comes from.
func TestUnknownSPN(t *testing.T) {
	r, s := startSlapd(t, 0)
	l, sc := dial(t, s.Addr)
	spn := "ldap/nosuch.gssnego.test@" + r.Name
	be := wantBindError(t, newClient(t, WithConn(sc)).Bind(l, spn, ""), StepInitiate, gss.ErrServiceUnknown)
	if !errors.Is(be, gss.KDCErrServerUnknown) {
		t.Errorf("errors.Is(KDCErrServerUnknown) false: %v", be)
	}
	if want := "ldapgss: the KDC does not know service " + spn + " ("; !strings.HasPrefix(be.Error(), want) || !strings.Contains(be.Error(), "Client.Bind") {
		t.Errorf("got %v\nwant the prefix %q and the option", be, want)
	}
}
