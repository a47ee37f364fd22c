//go:build !windows && cgo

package gssapi_unix

import (
	"bufio"
	"encoding/hex"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
)

// pyPeer is testdata/peer.py (python3-gssapi over MIT) in a subprocess.
type pyPeer struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startPyPeer(t *testing.T, args ...string) *pyPeer {
	t.Helper()
	needRealm(t)
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import gssapi").Run(); err != nil {
		lab.Unavailable(t, "python3-gssapi not importable by %s: %v", py, err)
	}
	cmd := exec.Command(py, append([]string{"testdata/peer.py"}, args...)...)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
		if stderr.Len() > 0 {
			t.Logf("peer.py stderr: %s", stderr.String())
		}
	})
	return &pyPeer{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
}

func (p *pyPeer) send(verb string, b []byte) {
	_, err := io.WriteString(p.in, verb+" "+hex.EncodeToString(b)+"\n")
	require.NoError(p.t, err)
}

// recv reads the next line: its verb and fields.
func (p *pyPeer) recv() (string, []string) {
	p.t.Helper()
	require.True(p.t, p.out.Scan(), "peer.py closed its output: %v", p.out.Err())
	f := strings.Fields(p.out.Text())
	require.NotEmpty(p.t, f)
	return f[0], f[1:]
}

func (p *pyPeer) recvBytes(verb string) []byte {
	p.t.Helper()
	v, f := p.recv()
	require.Equal(p.t, verb, v, "from peer.py: %v", f)
	if len(f) == 0 {
		return nil
	}
	b, err := hex.DecodeString(f[0])
	require.NoError(p.t, err)
	return b
}

// exchange drives ctx against the peer until both are established, then
// checks MICs and wrap tokens both ways. It returns the peer's names.
func (p *pyPeer) exchange(ctx gss.SecContext, initiator bool) []string {
	p.t.Helper()
	if initiator {
		tok, err := ctx.Continue(nil)
		require.NoError(p.t, err)
		p.send("TOK", tok)
	}
	var names []string
	for names == nil {
		verb, f := p.recv()
		switch verb {
		case "TOK":
			in, err := hex.DecodeString(f[0])
			require.NoError(p.t, err)
			out, err := ctx.Continue(in)
			require.NoError(p.t, err)
			if len(out) > 0 {
				p.send("TOK", out)
			}
		case "ESTABLISHED":
			names = f
		default:
			p.t.Fatalf("peer.py: unexpected %s %v", verb, f)
		}
	}
	require.False(p.t, ctx.ContinueNeeded(), "our side not established when the peer is")
	require.NoError(p.t, ctx.VerifyMIC([]byte("from-python"), p.recvBytes("MIC")))
	msg, conf, err := ctx.Unwrap(p.recvBytes("WRAP"))
	require.NoError(p.t, err)
	assert.Equal(p.t, "from-python-sealed", string(msg))
	assert.True(p.t, conf)
	mic, err := ctx.GetMIC([]byte("from-go"))
	require.NoError(p.t, err)
	p.send("MIC", mic)
	w, _, err := ctx.Wrap([]byte("from-go-sealed"), true)
	require.NoError(p.t, err)
	p.send("WRAP", w)
	verb, f := p.recv()
	require.Equal(p.t, "OK", verb, "peer.py: %v", f)
	return names
}

// TestInteropPythonMITInitiator: python3-gssapi (MIT) initiates, this build
// (MIT or, with -tags heimdal, Heimdal) accepts.
func TestInteropPythonMITInitiator(t *testing.T) {
	for _, mech := range []string{"krb5", "spnego"} {
		t.Run(mech, func(t *testing.T) {
			peer := startPyPeer(t, "initiate", "HTTP@localhost", mech)
			acc, err := New().AcceptSecContext()
			require.NoError(t, err)
			defer acc.Close()
			names := peer.exchange(acc, false)
			info, err := acc.Inquire()
			require.NoError(t, err)
			assert.Equal(t, realm.Principal(realm.User), info.InitiatorName)
			assert.Equal(t, gss.MechKRB5, info.Mech)
			assert.Equal(t, []string{realm.Principal(realm.User), realm.Principal(targetHTTP)}, names)
			t.Logf("%s acceptor: flags %v, session key %v", implementation, info.Flags, info.SessionKeyEnctype)
		})
	}
}

// TestInteropPythonMITAcceptor: this build initiates, python3-gssapi (MIT)
// accepts.
func TestInteropPythonMITAcceptor(t *testing.T) {
	for _, mech := range []string{"krb5", "spnego"} {
		t.Run(mech, func(t *testing.T) {
			peer := startPyPeer(t, "accept", mech)
			p := New()
			m := gss.MechKRB5
			if mech == "spnego" {
				m = gss.MechSPNEGO
			}
			ini, err := p.InitSecContext(importTarget(t, p, "HTTP@localhost"), gss.WithMech(m), gss.WithFlags(allFlagsLocal))
			require.NoError(t, err)
			defer ini.Close()
			names := peer.exchange(ini, true)
			info, err := ini.Inquire()
			require.NoError(t, err)
			assert.Equal(t, realm.Principal(targetHTTP), info.AcceptorName)
			assert.Equal(t, []string{realm.Principal(realm.User), realm.Principal(targetHTTP)}, names)
			t.Logf("%s initiator: flags %v, session key %v", implementation, info.Flags, info.SessionKeyEnctype)
		})
	}
}
