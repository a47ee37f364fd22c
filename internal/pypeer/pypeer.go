// Package pypeer runs an independent GSS peer in another process:
// python3-gssapi over the system's MIT libraries (peer.py), driven line by
// line. A Peer implements gss.SecContext, so tests drive it like any
// context — through our engines, the downgrade bench, or a real exchange.
package pypeer

import (
	"bufio"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

//go:embed peer.py
var script []byte

// Python is the interpreter with python3-gssapi (Debian's, not a pyenv shim).
const Python = "/usr/bin/python3"

// Config says what the peer does.
type Config struct {
	Role     string   `json:"role"`                // "initiator" or "acceptor"
	Mech     string   `json:"mech,omitempty"`      // dotted OID; default SPNEGO
	Target   string   `json:"target,omitempty"`    // initiator: host-based name "HTTP@host"
	NegMechs []string `json:"neg_mechs,omitempty"` // initiator: SPNEGO mechs in order (gss_set_neg_mechs)
}

// Peer is a running python3-gssapi context.
type Peer struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     *bufio.Writer
	out    *bufio.Scanner
	done   bool
	closed bool
	stderr strings.Builder
}

// Start runs a peer with env added to the environment (e.g. a realm's
// Env()); tb.Cleanup stops it.
func Start(tb testing.TB, cfg Config, env ...string) *Peer {
	tb.Helper()
	if _, err := os.Stat(Python); err != nil {
		lab.Unavailable(tb, "%s missing (apt-get install python3-gssapi)", Python)
	}
	if err := exec.Command(Python, "-c", "import gssapi").Run(); err != nil {
		lab.Unavailable(tb, "python3-gssapi missing: %v", err)
	}
	path := filepath.Join(tb.TempDir(), "peer.py")
	if err := os.WriteFile(path, script, 0o755); err != nil {
		tb.Fatal(err)
	}
	js, _ := json.Marshal(cfg)
	p := &Peer{cmd: exec.Command(Python, path, string(js))}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p.in = bufio.NewWriter(stdin)
	p.out = bufio.NewScanner(stdout)
	p.out.Buffer(make([]byte, 1<<20), 1<<20)
	tb.Cleanup(func() { p.Close() })
	return p
}

func (p *Peer) call(line string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, gss.ErrNoContext
	}
	fmt.Fprintln(p.in, line)
	if err := p.in.Flush(); err != nil {
		return nil, err
	}
	reply := make(chan bool, 1)
	go func() { reply <- p.out.Scan() }()
	select {
	case ok := <-reply:
		if !ok {
			return nil, fmt.Errorf("pypeer: peer exited: %s", p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		return nil, errors.New("pypeer: peer did not answer in 30 s")
	}
	f := strings.Fields(p.out.Text())
	if len(f) > 0 && f[0] == "ERR" {
		return nil, gss.NewError("python3-gssapi", gss.StatusFailure, 0, "", strings.Join(f[1:], " "))
	}
	return f, nil
}

func hx(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	return hex.EncodeToString(b)
}

func unhx(s string) []byte {
	if s == "-" {
		return nil
	}
	b, _ := hex.DecodeString(s)
	return b
}

// Continue implements gss.SecContext.
func (p *Peer) Continue(in []byte) ([]byte, error) {
	f, err := p.call("STEP " + hx(in))
	if err != nil {
		return nil, err
	}
	if len(f) != 3 {
		return nil, fmt.Errorf("pypeer: bad reply %q", f)
	}
	p.mu.Lock()
	p.done = f[2] == "1"
	p.mu.Unlock()
	return unhx(f[1]), nil
}

// ContinueNeeded implements gss.SecContext.
func (p *Peer) ContinueNeeded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.done
}

// Inquire implements gss.SecContext (mech, names and establishment only).
func (p *Peer) Inquire() (*gss.SecContextInfo, error) {
	f, err := p.call("INFO")
	if err != nil {
		return nil, err
	}
	var v struct {
		Mech, Initiator, Acceptor string
		Complete                  bool
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.Join(f[1:], " "), "")), &v); err != nil {
		return nil, err
	}
	info := &gss.SecContextInfo{InitiatorName: v.Initiator, AcceptorName: v.Acceptor, Established: v.Complete}
	if v.Mech != "" {
		info.Mech, _ = gss.ParseOID(v.Mech)
	}
	return info, nil
}

// GetMIC implements gss.SecContext.
func (p *Peer) GetMIC(msg []byte) ([]byte, error) {
	f, err := p.call("MIC " + hx(msg))
	if err != nil {
		return nil, err
	}
	return unhx(f[1]), nil
}

// VerifyMIC implements gss.SecContext; any failure is reported as ErrBadMIC
// with python's text.
func (p *Peer) VerifyMIC(msg, mic []byte) error {
	_, err := p.call("VERIFY " + hx(msg) + " " + hx(mic))
	if err != nil {
		return gss.NewError("python3-gssapi verify_signature", gss.StatusBadMIC, 0, "", err.Error())
	}
	return nil
}

// Wrap implements gss.SecContext (always sealed).
func (p *Peer) Wrap(msg []byte, _ bool) ([]byte, bool, error) {
	f, err := p.call("WRAP " + hx(msg))
	if err != nil {
		return nil, false, err
	}
	return unhx(f[1]), true, nil
}

// Unwrap implements gss.SecContext.
func (p *Peer) Unwrap(token []byte) ([]byte, bool, error) {
	f, err := p.call("UNWRAP " + hx(token))
	if err != nil {
		return nil, false, err
	}
	return unhx(f[1]), true, nil
}

// WrapSizeLimit is not offered by the peer.
func (p *Peer) WrapSizeLimit(bool, int) (int, error) { return 0, gss.ErrUnavailable }

// Export is not offered by the peer.
func (p *Peer) Export() ([]byte, error) { return nil, gss.ErrUnavailable }

// Close stops the peer process.
func (p *Peer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.cmd.Process.Kill()
	p.cmd.Wait()
	return nil
}
