//go:build !windows

package sspisample

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// builds caches the gssnego binaries built for this test binary, in binDir
// (removed by TestMain).
var (
	builds sync.Map // "goos/tags" → path
	binDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "gssnego-sample-bin-") })
)

// buildCLI builds cmd/gssnego with the given GOOS ("" for the host) and
// build tags into a directory that lives as long as the test binary.
func buildCLI(t *testing.T, goos, tags string) string {
	t.Helper()
	key := goos + "/" + tags
	if v, ok := builds.Load(key); ok {
		return v.(string)
	}
	dir, err := binDir()
	require.NoError(t, err)
	out := filepath.Join(dir, "gssnego-"+strings.NewReplacer("/", "-", ",", "-").Replace(goos+"-"+tags))
	env := os.Environ()
	if goos != "" {
		out += ".exe"
		env = append(env, "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
	}
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = lab.PackageDir(t, "github.com/gssnego/gssnego/cmd/gssnego")
	cmd.Env = env
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	builds.Store(key, out)
	return out
}

// proc is a running sample server process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	out  *bytes.Buffer // everything it printed
	mu   *sync.Mutex
	done chan error
}

var listeningRE = regexp.MustCompile(`listening on (\S+),`)

// startServerProc starts `argv... server -listen 127.0.0.1:0 -n 1 args...`
// and waits for its address.
func startServerProc(t *testing.T, argv []string, args ...string) *proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	full := append(append(argv[1:len(argv):len(argv)], "server", "-listen", "127.0.0.1:0", "-n", "1", "-v"), args...)
	cmd := exec.CommandContext(ctx, argv[0], full...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	errBuf := &bytes.Buffer{}
	cmd.Stderr = errBuf
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, out: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.out.Write(errBuf.Bytes())
		p.mu.Unlock()
		p.done <- err
	}()
	select {
	case p.addr = <-addrCh:
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v\n%s", err, p.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not listen:\n%s", p.output())
	}
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// wait returns the server's exit error and output.
func (p *proc) wait(t *testing.T) (error, string) {
	t.Helper()
	select {
	case err := <-p.done:
		return err, p.output()
	case <-time.After(40 * time.Second):
		t.Fatalf("server did not exit:\n%s", p.output())
		return nil, ""
	}
}

// runClientProc runs `argv... client -server 127.0.0.1 -port P -target host@localhost -v args...`.
func runClientProc(t *testing.T, argv []string, addr string, args ...string) (string, error) {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	require.True(t, ok, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append(append(argv[1:len(argv):len(argv)], "client", "-server", host, "-port", port, "-target", "host@localhost", "-v"), args...)
	out, err := exec.CommandContext(ctx, argv[0], full...).CombinedOutput()
	return string(out), err
}

// cliCases are the flag sets run across processes.
var cliCases = []struct {
	name           string
	args           []string
	client, server string // the verdict lines each side prints
}{
	{"GoOptimistic", nil,
		"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))",
		"verdict: ok (mechListMIC: initiator none (not due), acceptor none (not due))"},
	{"GoNoOptimistic", []string{"-no-optimistic", "-mechs", "ms-krb5,krb5"},
		"verdict: ok (mechListMIC: initiator sent, acceptor sent+verified by initiator)",
		"verdict: ok (mechListMIC: initiator sent+verified by acceptor, acceptor sent)"},
	{"Native", []string{"-engine", "native"}, "verdict: ok", "verdict: ok"},
	{"Kerberos", []string{"-package", "kerberos"}, "verdict: not-spnego", "verdict: not-spnego"},
}

// TestInteropMITHeimdalProcesses runs the MIT-built client against the
// Heimdal-built server and the other way round, each in its own process.
func TestInteropMITHeimdalProcesses(t *testing.T) {
	p := lab.Provider(t) // the CLI is built as this binary was: no provider, no run
	testrealm.Shared(t)
	lab.NeedCommand(t, "go")
	builds := map[string]string{"MIT": buildCLI(t, "", ""), "Heimdal": buildCLI(t, "", "heimdal")}
	for _, dir := range [][2]string{{"MIT", "Heimdal"}, {"Heimdal", "MIT"}, {"MIT", "MIT"}, {"Heimdal", "Heimdal"}} {
		for _, tc := range cliCases {
			t.Run(dir[0]+"Client"+dir[1]+"Server/"+tc.name, func(t *testing.T) {
				if tc.name == "Native" {
					// The CLIs have this binary's provider.
					lab.NeedMech(t, p, gss.MechSPNEGO)
				}
				srv := startServerProc(t, []string{builds[dir[1]]}, serverArgs(tc.args)...)
				out, err := runClientProc(t, []string{builds[dir[0]]}, srv.addr, tc.args...)
				serr, sout := srv.wait(t)
				require.NoError(t, err, "client:\n%s\nserver:\n%s", out, sout)
				require.NoError(t, serr, "server:\n%s", sout)
				require.Contains(t, out, `client: server says "This is your server speaking" (sealed; `)
				require.Contains(t, sout, `server: sent "This is your server speaking" (sealed; `)
				require.Contains(t, out, tc.client)
				require.Contains(t, sout, tc.server)
			})
		}
	}
}

// serverArgs drops the client-only flags.
func serverArgs(args []string) []string {
	var out []string
	for _, a := range args {
		if a != "-no-optimistic" {
			out = append(out, a)
		}
	}
	return out
}
