//go:build linux

package authz

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/authproxy"
)

// echoBackend answers with the request's headers, one "Name: value" a
// line, sorted.
func echoBackend(t *testing.T) *httptest.Server {
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var lines []string
		for k, vs := range r.Header {
			for _, v := range vs {
				lines = append(lines, k+": "+v)
			}
		}
		sort.Strings(lines)
		io.WriteString(w, strings.Join(lines, "\n")+"\n")
	}))
	t.Cleanup(b.Close)
	return b
}

// forged are headers a client sends to pass as a Domain Admin: every
// spelling a backend (CGI, PHP, a framework folding '_') could read as the
// proxy's groups or UPN header.
var forged = map[string]string{
	"X-Remote-Groups": "S-1-5-21-0-0-0-512",
	"X_Remote_Groups": "S-1-5-21-0-0-0-512",
	"x-remote_GROUPS": "S-1-5-21-0-0-0-512",
	"X-Remote-Upn":    "administrator@samdom.test",
	"X_REMOTE_UPN":    "administrator@samdom.test",
}

// get requests base as user through a Negotiate client (the platform
// provider, user's ticket, the service's name whatever the URL's host).
func get(t *testing.T, w *world, p gss.Provider, user, base string) (int, string) {
	t.Helper()
	cred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredInitiateOnly, gss.WithCCache(w.ccache[user]))
	require.NoError(t, err)
	defer cred.Release()
	tr := &httpauth.Transport{SPN: "HTTP@" + svcHost, Preemptive: true,
		Config: negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}, Credential: cred}}
	req, err := http.NewRequest("GET", base+"/app", nil)
	require.NoError(t, err)
	for k, v := range forged {
		req.Header[k] = []string{v}
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// checkProxied: alice (in web-admins) passes with her groups and UPN from
// the verified PAC and none of the forged values; carol gets 403.
func checkProxied(t *testing.T, w *world, p gss.Provider, base string) {
	status, body := get(t, w, p, "alice", base)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "X-Remote-User: alice@SAMDOM.TEST")
	assert.Regexp(t, `(?m)^X-Remote-Groups: .*`+regexp.QuoteMeta(w.Groups["web-admins"])+`(,|$)`, body)
	assert.Regexp(t, `(?m)^X-Remote-Groups: .*`+regexp.QuoteMeta(w.Groups["dl-printers"])+`(,|$)`, body)
	assert.Contains(t, body, "X-Remote-Upn: alice@samdom.test")
	assert.NotContains(t, body, "-512")
	assert.NotContains(t, body, "administrator@")
	assert.Equal(t, 1, strings.Count(strings.ToLower(body), "x-remote-groups:"), body)

	status, body = get(t, w, p, "carol", base)
	assert.Equal(t, http.StatusForbidden, status, body)
	assert.NotContains(t, body, "X-Remote")
}

// TestAuthzProxyAllowGroup: authproxy.Proxy with AllowGroups (web-admins
// by SID) in front of a backend that echoes its request headers.
func TestAuthzProxyAllowGroup(t *testing.T) {
	w, p := needWorld(t)
	acred, err := p.AcquireCredential(nil, []gss.OID{gss.MechKRB5}, gss.CredAcceptOnly, gss.WithKeytab(w.keytab))
	require.NoError(t, err)
	defer acred.Release()
	b := echoBackend(t)
	u, _ := url.Parse(b.URL)
	px := &authproxy.Proxy{Backend: u, Auth: &httpauth.Server{Config: negotiate.Config{Provider: p, Credential: acred}},
		AllowGroups: []string{w.Groups["web-admins"]}}
	h, err := px.Handler()
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(h)
	px.Auth.Install(srv.Config)
	srv.Start()
	defer srv.Close()
	checkProxied(t, w, p, srv.URL)
}

// TestAuthzProxyCLIAllowGroup: the same through `gssnego proxy
// -allow-group SID` as its own process.
func TestAuthzProxyCLIAllowGroup(t *testing.T) {
	w, p := needWorld(t)
	bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
	b := echoBackend(t)
	cmd := exec.Command(bin, "proxy", "-listen", "127.0.0.1:0", "-backend", b.URL, "-keytab", w.keytab,
		"-allow-group", w.Groups["web-admins"])
	cmd.Env = append(os.Environ(), w.dc.Env()...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err, "the proxy's first line")
	m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+),`).FindStringSubmatch(line)
	require.NotNil(t, m, line)
	go io.Copy(io.Discard, stderr)
	checkProxied(t, w, p, m[1])

	// A group given by name is refused with a pointer to its SID.
	out, err := exec.Command(bin, "proxy", "-backend", b.URL, "-allow-group", `SAMDOM\web-admins`).CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "give the group's SID")
}
