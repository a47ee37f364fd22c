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
	"github.com/gssnego/gssnego/internal/sambadc"
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
// -allow-group` as its own process, the group given by SID, and by name
// looked up in the DC's LDAP with the service's own keys.
func TestAuthzProxyCLIAllowGroup(t *testing.T) {
	w, _ := needWorld(t)
	ldapAddr := w.dc.Forward(t, 389)
	t.Run("SID", func(t *testing.T) { proxyCLI(t, "-allow-group", w.Groups["web-admins"]) })
	t.Run("Name", func(t *testing.T) {
		// Samba's KDC gives no TGT to an SPN as client: the service binds
		// as its account, whose keys are exported under that name.
		account := sambadc.ServiceAccount("HTTP/" + svcHost)
		kt := w.dc.ExportAccountKeys(t, account)
		proxyCLI(t, "-allow-group", `SAMDOM\web-admins`, "-ldap", "ldap://"+ldapAddr,
			"-ldap-spn", "ldap/dc1.samdom.test", "-ldap-as", account+"@SAMDOM.TEST", "-ldap-keytab", kt)
	})
	t.Run("NameWithoutLDAP", func(t *testing.T) {
		bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
		out, err := exec.Command(bin, "proxy", "-backend", "http://127.0.0.1:1", "-allow-group", `SAMDOM\web-admins`).CombinedOutput()
		assert.Error(t, err)
		assert.Contains(t, string(out), "give -ldap")
	})
}

func proxyCLI(t *testing.T, args ...string) {
	w, p := needWorld(t)
	bin := lab.GoBuild(t, "github.com/gssnego/gssnego/cmd/gssnego")
	b := echoBackend(t)
	cmd := exec.Command(bin, append([]string{"proxy", "-listen", "127.0.0.1:0", "-backend", b.URL, "-keytab", w.keytab}, args...)...)
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
}
