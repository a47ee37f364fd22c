//go:build linux

package authproxy_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/haproxy"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/redis"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// instance is one `gssnego proxy` process of a fleet.
type instance struct {
	addr string // 127.0.0.1:port
	log  *syncBuffer
}

// startInstance runs `gssnego proxy` for backend with the realm's keytab
// (KRB5_KTNAME, so NTLM keeps the default credential) and extra flags.
func startInstance(t *testing.T, backend string, env []string, args ...string) *instance {
	t.Helper()
	lab.Provider(t)
	r := testrealm.Shared(t)
	bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
	cmd := exec.Command(bin, append([]string{"proxy", "-listen", "127.0.0.1:0", "-backend", backend}, args...)...)
	cmd.Env = append(append(os.Environ(), r.Env()...), env...)
	in := &instance{log: &syncBuffer{}}
	cmd.Stdout = in.log
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err, "the proxy's first line")
	m := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+),`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	go io.Copy(in.log, stderr)
	in.addr = m[1]
	return in
}

// waitLog waits (up to 5 s) for a line matching re in the instance's
// output: the access log line is written after the response went out.
func (in *instance) waitLog(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(5 * time.Second)
	for !rx.MatchString(in.log.String()) {
		if time.Now().After(deadline) {
			t.Errorf("no log line matching %s in:\n%s", re, in.log.String())
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freshToken is a new SPNEGO NegTokenInit with a Kerberos AP-REQ for
// HTTP@localhost.
func freshToken(t testing.TB, prov gss.Provider) []byte {
	t.Helper()
	n, err := prov.ImportName("HTTP@localhost", gss.NameHostBasedService)
	require.NoError(t, err)
	c, err := negotiate.NewClient(n, negotiate.Config{Provider: prov})
	require.NoError(t, err)
	defer c.Close()
	tok, err := c.Continue(nil)
	require.NoError(t, err)
	return tok
}

// send sends tok on a connection of its own and returns the status and body.
func send(t testing.TB, addr string, tok []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://localhost/fleet", nil)
	req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(tok))
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}, Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestFleetReplay: two `gssnego proxy` instances with one keytab. Sharing
// one Redis, a token accepted by A and replayed to B is refused (401,
// "refused=replay" in B's access log), fresh tokens pass on both. With
// their own memory caches the replay to B is accepted: the documented
// limit of a per-instance cache (a replay to the same instance is still
// refused).
func TestFleetReplay(t *testing.T) {
	prov := lab.Provider(t)
	srv := redis.Start(t)
	b := newBackend(t, nil)
	a := startInstance(t, b.URL, nil, "-replay-cache", srv.URL)
	bb := startInstance(t, b.URL, nil, "-replay-cache", srv.URL)

	tok := freshToken(t, prov)
	code, body := send(t, a.addr, tok)
	require.Equal(t, http.StatusOK, code, body)
	code, body = send(t, bb.addr, tok)
	assert.Equal(t, http.StatusUnauthorized, code, body)
	bb.waitLog(t, `" 401 - refused=replay error="[^"]*request is a replay[^"]*replay cache redis://`)
	for _, in := range []*instance{a, bb} {
		code, body := send(t, in.addr, freshToken(t, prov))
		assert.Equal(t, http.StatusOK, code, body)
	}

	c := startInstance(t, b.URL, nil, "-replay-cache", "memory")
	d := startInstance(t, b.URL, nil) // memory is the default
	tok = freshToken(t, prov)
	code, _ = send(t, c.addr, tok)
	require.Equal(t, http.StatusOK, code)
	code, _ = send(t, d.addr, tok)
	assert.Equal(t, http.StatusOK, code, "per-instance caches: the replay to the other instance passes (the documented limit)")
	code, _ = send(t, c.addr, tok)
	assert.Equal(t, http.StatusUnauthorized, code, "the same instance refuses it")
	c.waitLog(t, "refused=replay")
}

// TestFleetRedisOutage: Redis stopped under load. The fail-closed instance
// answers 503 naming the store, each request within the replay timeout
// (plus the handshake); the one with -replay-fallback keeps answering 200
// from its local cache. Redis restarted: both go back to it without a
// restart.
func TestFleetRedisOutage(t *testing.T) {
	prov := lab.Provider(t)
	srv := redis.Start(t)
	b := newBackend(t, nil)
	strict := startInstance(t, b.URL, nil, "-replay-cache", srv.URL, "-replay-timeout", "300ms")
	lenient := startInstance(t, b.URL, nil, "-replay-cache", srv.URL, "-replay-timeout", "300ms", "-replay-fallback")

	type result struct {
		code int
		body string
		took time.Duration
	}
	load := func(in *instance, n int) []result {
		toks := make([][]byte, n)
		for i := range toks {
			toks[i] = freshToken(t, prov)
		}
		out := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				code, body := send(t, in.addr, toks[i])
				out[i] = result{code, body, time.Since(start)}
			}()
		}
		wg.Wait()
		return out
	}
	for _, r := range load(strict, 8) {
		require.Equal(t, http.StatusOK, r.code, r.body)
	}

	srv.Stop()
	for _, r := range load(strict, 8) {
		assert.Equal(t, http.StatusServiceUnavailable, r.code, r.body)
		assert.Contains(t, r.body, "replay cache "+srv.URL+" unavailable")
		assert.Less(t, r.took, 3*time.Second, "bounded by -replay-timeout")
	}
	strict.waitLog(t, "refused=replay-cache-unavailable")
	for _, r := range load(lenient, 8) {
		assert.Equal(t, http.StatusOK, r.code, "fallback: %s", r.body)
	}

	srv.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := send(t, strict.addr, freshToken(t, prov))
		if code == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "no recovery after Redis restarted: %d %s", code, body)
		time.Sleep(100 * time.Millisecond)
	}
	// Back on the shared store: a token taken by one is refused by the other.
	tok := freshToken(t, prov)
	code, _ := send(t, lenient.addr, tok)
	require.Equal(t, http.StatusOK, code)
	code, _ = send(t, strict.addr, tok)
	assert.Equal(t, http.StatusUnauthorized, code)
}

// TestFleetHAProxy: instances sharing Redis behind HAProxy, round robin.
// With the pinning settings (haproxy.Pinned), and with HAProxy's defaults,
// single-leg Kerberos, the strict profile's MIC exchange (two legs) and
// NTLM (two legs) pass through the balancer, and requests reach both
// instances. With http-server-close the next leg lands on the other
// instance, where no exchange is in progress: every multi-leg exchange
// fails.
func TestFleetHAProxy(t *testing.T) {
	prov := lab.Provider(t)
	r := testrealm.Shared(t)
	ntlm := !strings.HasPrefix(prov.Name(), "Heimdal") && hasMech(prov, gss.MechNTLMSSP)
	users := filepath.Join(t.TempDir(), "ntlm.users")
	require.NoError(t, os.WriteFile(users, []byte("GSSNEGO:"+r.User+":"+r.Password+"\n"), 0o600))
	env := []string{"NTLM_USER_FILE=" + users}
	srv := redis.Start(t)
	b := newBackend(t, nil)
	// Two instances with the default profile (Kerberos in one leg) and two
	// with the strict one (the MIC exchange: two legs).
	a := startInstance(t, b.URL, env, "-replay-cache", srv.URL)
	bb := startInstance(t, b.URL, env, "-replay-cache", srv.URL)
	c := startInstance(t, b.URL, env, "-replay-cache", srv.URL, "-profile", "strict")
	d := startInstance(t, b.URL, env, "-replay-cache", srv.URL, "-profile", "strict")
	t.Setenv("NTLM_USER_FILE", users)

	via := func(lb *haproxy.Balancer, host string, strict, preemptive bool) (int, string, error) {
		tr := &httpauth.Transport{Config: negotiate.Config{Provider: prov}, Preemptive: preemptive, Base: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, lb.Addr)
			}}}
		if strict {
			tr.Config.Profile = negotiate.ProfileStrict
		}
		req, _ := http.NewRequest("GET", "http://"+host+"/lb", nil)
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}

	ab := haproxy.Start(t, []string{a.addr, bb.addr}, haproxy.Pinned)
	cd := haproxy.Start(t, []string{c.addr, d.addr}, haproxy.Pinned)
	for range 4 {
		code, body, err := via(ab, "localhost", false, true)
		require.NoError(t, err, "single-leg Kerberos through HAProxy")
		assert.Equal(t, http.StatusOK, code, body)
	}
	for _, in := range []*instance{a, bb} {
		in.waitLog(t, `"GET /lb HTTP/1.1" 200 `+regexp.QuoteMeta(alice())) // round robin reached both instances
	}
	for range 4 {
		code, body, err := via(cd, "localhost", true, false)
		require.NoError(t, err, "strict MIC exchange through HAProxy")
		assert.Equal(t, http.StatusOK, code, body)
	}
	if ntlm {
		for range 4 {
			code, body, err := via(ab, "nokerberos.gssnego.test", true, false)
			require.NoError(t, err, "NTLM through HAProxy")
			assert.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, "X-Remote-User: GSSNEGO\\"+r.User)
		}
	} else {
		t.Logf("NTLM skipped: %s has no gss-ntlmssp", prov.Name())
	}

	plain := haproxy.Start(t, []string{c.addr, d.addr})
	plainNTLM := haproxy.Start(t, []string{a.addr, bb.addr})
	// HAProxy's defaults (2.6) pin too: a server connection that answered
	// 401 with a Negotiate or NTLM challenge is private to its client
	// connection, and the client's next request goes back on it.
	for range 4 {
		code, body, err := via(plain, "localhost", true, false)
		require.NoError(t, err, "defaults, strict MIC exchange")
		assert.Equal(t, http.StatusOK, code, body)
		if ntlm {
			code, body, err = via(plainNTLM, "nokerberos.gssnego.test", true, false)
			require.NoError(t, err, "defaults, NTLM")
			assert.Equal(t, http.StatusOK, code, body)
		}
	}

	broken := haproxy.Start(t, []string{c.addr, d.addr}, haproxy.ServerClose)
	brokenNTLM := haproxy.Start(t, []string{a.addr, bb.addr}, haproxy.ServerClose)
	for range 4 {
		code, body, err := via(broken, "localhost", true, false)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, code, "http-server-close: the MIC leg lands on the other instance")
		assert.Contains(t, body, "no exchange in progress on this connection")
		if ntlm {
			_, _, err = via(brokenNTLM, "nokerberos.gssnego.test", true, false)
			assert.Error(t, err, "http-server-close: NTLM's AUTHENTICATE lands on the other instance")
		}
	}
}

func hasMech(p gss.Provider, m gss.OID) bool {
	mechs, err := p.IndicateMechs()
	if err != nil {
		return false
	}
	for _, x := range mechs {
		if x == m {
			return true
		}
	}
	return false
}
