package sshgss_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"golang.org/x/crypto/ssh"
)

// goServer is an x/crypto/ssh server on a free 127.0.0.1 port whose only
// login method is gssapi-with-mic through an sshgss.Server (or a wrapper
// of one) made per connection. An exec request is answered, without
// running anything, with one line saying who logged in.
type goServer struct {
	Addr    string
	Port    int
	HostKey ssh.PublicKey
	Results chan connResult // one per connection, after the handshake
}

// connResult is what the server made of one connection.
type connResult struct {
	Err    error               // from ssh.NewServerConn
	Server *sshgss.Server      // the connection's Server
	Info   *gss.SecContextInfo // Server.ContextInfo after the handshake
	User   string
}

// newServerFunc makes the GSSAPIServer of one connection; the *sshgss.Server
// is the one inside (for ContextInfo).
type newServerFunc func(t *testing.T) (ssh.GSSAPIServer, *sshgss.Server)

func plainServer(opts ...sshgss.Option) newServerFunc {
	return func(t *testing.T) (ssh.GSSAPIServer, *sshgss.Server) {
		s, err := sshgss.NewServer(opts...)
		if err != nil {
			t.Errorf("NewServer: %v", err)
			return nil, nil
		}
		return s, s
	}
}

func startGoServer(t *testing.T, allow func(ssh.ConnMetadata, string) (*ssh.Permissions, error), newServer newServerFunc) *goServer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	base := &ssh.ServerConfig{MaxAuthTries: 3}
	base.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := &goServer{Addr: l.Addr().String(), Port: l.Addr().(*net.TCPAddr).Port, HostKey: signer.PublicKey(), Results: make(chan connResult, 16)}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				gssServer, inner := newServer(t)
				if gssServer == nil {
					return
				}
				// x/crypto/ssh gives the GSSAPIServer no connection: each
				// connection gets its own copy of the config.
				cfg := *base
				cfg.GSSAPIWithMICConfig = &ssh.GSSAPIWithMICConfig{AllowLogin: allow, Server: gssServer}
				_ = c.SetDeadline(time.Now().Add(60 * time.Second)) // hang guard
				conn, chans, reqs, err := ssh.NewServerConn(c, &cfg)
				res := connResult{Err: err, Server: inner}
				if inner != nil {
					res.Info = inner.ContextInfo()
				}
				if err == nil {
					res.User = conn.User()
				}
				select {
				case gs.Results <- res:
				default: // nobody reads: do not block the cleanup
				}
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				serveSessions(conn, chans, res)
			}()
		}
	}()
	return gs
}

// serveSessions answers each exec request with one line and exit status 0.
func serveSessions(conn *ssh.ServerConn, chans <-chan ssh.NewChannel, res connResult) {
	defer conn.Close()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			defer ch.Close()
			for req := range reqs {
				if req.Type != "exec" {
					_ = req.Reply(false, nil)
					continue
				}
				var cmd struct{ Command string }
				_ = ssh.Unmarshal(req.Payload, &cmd)
				_ = req.Reply(true, nil)
				deleg := res.Info != nil && res.Info.Flags&gss.FlagDeleg != 0
				fmt.Fprintf(ch, "go-server user=%s principal=%s deleg=%v cmd=%q\n",
					conn.User(), conn.Permissions.Extensions[sshgss.PrincipalExtension], deleg, cmd.Command)
				_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
				return
			}
		}()
	}
}

// next returns the result of the next connection (hang guard 60 s).
func (gs *goServer) next(t *testing.T) connResult {
	t.Helper()
	select {
	case r := <-gs.Results:
		return r
	case <-time.After(60 * time.Second):
		t.Fatal("go server: no connection finished its handshake within 60 s")
		return connResult{}
	}
}

// dial logs in to addr as user with auth and the given host key.
func dial(addr, user string, hostKey ssh.PublicKey, auth ssh.AuthMethod) (*ssh.Client, error) {
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{auth},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         30 * time.Second,
	})
}

// run runs cmd in a session and returns its output.
func run(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	defer sess.Close()
	out, err := sess.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("run %q: %v\n%s", cmd, err, out)
	}
	return string(out)
}

// asStepError checks that err is an *sshgss.Error of step wrapping want.
func asStepError(t *testing.T, err error, step sshgss.Step, want error) {
	t.Helper()
	var se *sshgss.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not an *sshgss.Error", err, err)
	}
	if se.Step != step {
		t.Fatalf("error step %q, want %q: %v", se.Step, step, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %v does not match %v", err, want)
	}
}

// authErr digs the first gssapi-with-mic error out of a ServerAuthError.
func authErr(t *testing.T, err error) error {
	t.Helper()
	var sae *ssh.ServerAuthError
	if !errors.As(err, &sae) {
		t.Fatalf("server error %v (%T) is not an ssh.ServerAuthError", err, err)
	}
	for _, e := range sae.Errors {
		var se *sshgss.Error
		if errors.As(e, &se) {
			return e
		}
	}
	t.Fatalf("no *sshgss.Error among %v", sae.Errors)
	return nil
}

// lineWithPrefix returns the first line of out starting with prefix. A
// command run by sshd goes through root's login shell, which on Debian
// sources ~/.bashrc for ssh sessions: whatever the host's rc files print
// must not matter, so tests look for their own line.
func lineWithPrefix(out, prefix string) (string, bool) {
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			return l, true
		}
	}
	return "", false
}

// hasLine reports whether out has a line equal to want (see lineWithPrefix).
func hasLine(out, want string) bool {
	l, ok := lineWithPrefix(out, want)
	return ok && l == want
}
