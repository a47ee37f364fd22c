//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/squid"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// TestForwardCommandPAC runs "gssnego forward -pac FILE -log" as a process
// with a PAC file that sends localhost DIRECT and 127.0.0.0/8 to a proxy
// that is down, then to Squid with Negotiate: curl reaches both origins,
// the DIRECT one sees no credential, Squid logs the user, the access log
// shows the failover and the upstream's verdict.
func TestForwardCommandPAC(t *testing.T) {
	curl := lab.NeedCommand(t, "curl")[0]
	r := testrealm.Start(t)
	sq := squid.Start(t, r)
	_, squidPort, _ := net.SplitHostPort(sq.Addr)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	dead.Close()

	var mu sync.Mutex
	var seen []string
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = append(seen, req.Host+" "+req.Header.Get("Authorization")+req.Header.Get("Proxy-Authorization"))
		mu.Unlock()
		fmt.Fprint(w, "origin page")
	})
	plain := httptest.NewServer(h)
	defer plain.Close()
	secure := httptest.NewTLSServer(h)
	defer secure.Close()
	_, plainPort, _ := net.SplitHostPort(plain.Listener.Addr().String())

	pac := filepath.Join(t.TempDir(), "proxy.pac")
	require.NoError(t, os.WriteFile(pac, []byte(`function FindProxyForURL(url, host) {
  if (localHostOrDomainIs(host, "localhost")) return "DIRECT";
  if (isInNet(host, "127.0.0.0", "255.0.0.0")) return "PROXY `+deadAddr+`; PROXY localhost:`+squidPort+`";
  return "DIRECT";
}`), 0o644))

	bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
	cmd := exec.Command(bin, "forward", "-listen", "127.0.0.1:0", "-pac", pac, "-log")
	cmd.Env = append(os.Environ(), r.Env()...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	var logBuf strings.Builder
	var logMu sync.Mutex
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		b := make([]byte, 4096)
		for {
			n, err := stdout.Read(b)
			logMu.Lock()
			logBuf.Write(b[:n])
			logMu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err, "gssnego forward did not start")
	go func() { io.Copy(io.Discard, stderr); cmd.Wait(); close(exited) }()
	t.Cleanup(func() { lab.StopServer(cmd, exited, syscall.SIGTERM, 5*time.Second) })
	fields := strings.Fields(line)
	require.Contains(t, line, "listening on http://", line)
	fwd := strings.TrimSuffix(fields[4], ",")

	get := func(u string, extra ...string) string {
		out, err := exec.Command(curl, append([]string{"-sS", "--fail", "-x", fwd, u}, extra...)...).CombinedOutput()
		require.NoError(t, err, "%s\nsquid:\n%s", out, sq.Log())
		return string(out)
	}
	assert.Equal(t, "origin page", get("http://localhost:"+plainPort+"/direct"))
	assert.Equal(t, "origin page", get(plain.URL+"/via-squid"))
	assert.Equal(t, "origin page", get(secure.URL+"/via-squid-tls", "-k"))

	mu.Lock()
	for _, s := range seen {
		assert.Equal(t, strings.Fields(s)[0], strings.TrimSpace(s), "no credential reached the origin: %q", s)
	}
	mu.Unlock()
	// Squid's log names the user for the proxied requests.
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(sq.AccessLog)
		if strings.Contains(string(b), "/via-squid") && strings.Contains(string(b), r.Principal(r.User)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("squid access log lacks the user:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	lab.StopServer(cmd, exited, syscall.SIGTERM, 5*time.Second)
	<-logDone
	logMu.Lock()
	log := logBuf.String()
	logMu.Unlock()
	t.Logf("gssnego forward -log:\n%s", log)
	assert.Contains(t, log, "/direct via=DIRECT status=200")
	assert.Contains(t, log, `auth="direct: no credential sent"`)
	assert.Contains(t, log, "down="+deadAddr, "failover past the dead proxy")
	assert.Contains(t, log, "the proxy never proved itself")
	assert.Contains(t, log, "user="+r.Principal(r.User))
}
