//go:build linux

package apache

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/sambadc"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// curl runs curl with env and returns the status line's code, the headers
// and the body.
func curl(t *testing.T, env []string, args ...string) (code string, headers, body string) {
	t.Helper()
	bin := lab.NeedCommand(t, "curl")[0]
	hdr := filepath.Join(t.TempDir(), "headers")
	args = append([]string{"-sS", "-D", hdr, "-o", "-", "-w", "\n%{http_code}"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "curl %v: %s", args, out)
	s := strings.TrimRight(string(out), "\n")
	i := strings.LastIndexByte(s, '\n')
	h, _ := os.ReadFile(hdr)
	return s[i+1:], string(h), s[:max(i, 0)]
}

func TestApacheNegotiate(t *testing.T) {
	realm := testrealm.Start(t)
	s := Start(t, realm)
	env := append(os.Environ(), realm.Env()...)

	t.Run("WithTicket", func(t *testing.T) {
		code, headers, body := curl(t, env, "--negotiate", "-u", ":", s.URL)
		require.Equal(t, "200", code, "%s\n%s", headers, s.ErrorLogText())
		assert.Equal(t, "alice@"+testrealm.Name, strings.TrimSpace(body))
		assert.Contains(t, headers, RemoteUserHeader+": alice@"+testrealm.Name)
		assert.Contains(t, headers, "WWW-Authenticate: Negotiate ", "mutual authentication token")
	})

	t.Run("WithoutTicket", func(t *testing.T) {
		noTicket := append(os.Environ(), realm.Env()...)
		noTicket = append(noTicket, "KRB5CCNAME=FILE:"+filepath.Join(t.TempDir(), "empty"))
		code, headers, _ := curl(t, noTicket, "--negotiate", "-u", ":", s.URL)
		assert.Equal(t, "401", code)
		assert.Contains(t, headers, "WWW-Authenticate: Negotiate\r\n")
	})

	t.Run("Public", func(t *testing.T) {
		code, _, body := curl(t, env, s.URL+"public/")
		assert.Equal(t, "200", code)
		assert.Equal(t, "public", strings.TrimSpace(body))
	})
}

// TestApacheAllowedMechKrb5 pins mod_auth_gssapi to krb5 (gss-ntlmssp is
// installed, so NTLM would otherwise be allowed too).
func TestApacheAllowedMechKrb5(t *testing.T) {
	realm := testrealm.Start(t)
	s := Start(t, realm, AllowedMechs("krb5"))
	assert.Contains(t, readFile(t, s.Conf), "GssapiAllowedMech krb5\n")
	code, headers, body := curl(t, append(os.Environ(), realm.Env()...), "--negotiate", "-u", ":", s.URL)
	require.Equal(t, "200", code, "%s\n%s", headers, s.ErrorLogText())
	assert.Equal(t, "alice@"+testrealm.Name, strings.TrimSpace(body))
}

// TestApacheSambaDC serves an AD service account's keytab: tickets with a
// PAC, a host name other than localhost, curl --resolve instead of DNS.
func TestApacheSambaDC(t *testing.T) {
	d := sambadc.Start(t)
	d.AddUser(t, "bob", "Bob-Pa55word")
	keytab := d.AddService(t, "HTTP/web.samdom.test", true)
	d.Kinit(t, "bob", "Bob-Pa55word", "")
	s := StartKeytab(t, d.Krb5Conf, keytab, Host("web.samdom.test"))
	code, headers, body := curl(t, append(os.Environ(), d.Env()...),
		"--negotiate", "-u", ":", "--resolve", s.Resolve(), s.URL)
	require.Equal(t, "200", code, "%s\n%s", headers, s.ErrorLogText())
	assert.Equal(t, "bob@"+sambadc.Realm, strings.TrimSpace(body))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestApachePrivateTMPDIR: with TMPDIR made by `mktemp -d` (0700), httpd's
// www-data workers could not reach their files and answered 403 ("unable
// to check htaccess file"); the server's directory must be reachable anyway.
func TestApachePrivateTMPDIR(t *testing.T) {
	realm := testrealm.Start(t)
	private := t.TempDir()
	require.NoError(t, os.Chmod(private, 0o700))
	t.Setenv("TMPDIR", private)
	s := Start(t, realm)
	code, headers, body := curl(t, append(os.Environ(), realm.Env()...), "--negotiate", "-u", ":", s.URL)
	require.Equal(t, "200", code, "%s\n%s", headers, s.ErrorLogText())
	assert.Equal(t, "alice@"+testrealm.Name, strings.TrimSpace(body))
}
