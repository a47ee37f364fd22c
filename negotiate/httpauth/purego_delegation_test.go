//go:build linux

package httpauth_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// TestInteropPureGoAcceptorCurlDelegation: curl --delegation always (MIT's
// library, another process) delegates alice's TGT to our middleware over
// the pure-Go provider. With that credential the handler, as alice,
// authenticates to Apache mod_auth_gssapi (the second hop, pure-Go
// initiator); and the credential stored with gss.StoreCredential is a
// FILE ccache MIT's klist lists (alice, her TGT) and MIT's kvno uses to get
// a service ticket.
func TestInteropPureGoAcceptorCurlDelegation(t *testing.T) {
	r, _ := labRealm(t)
	tools := lab.NeedCommand(t, "klist", "kvno")
	p := kerberos.NewProvider()
	alice := r.Principal(r.User)

	t.Run("SecondHopApache", func(t *testing.T) {
		ap := apache.Start(t, r, apache.AllowedMechs("krb5"))
		front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, ap.URL, nil))
		u, _ := url.Parse(front.URL)
		code, headers, body := curl(t, r, "--negotiate", "-u", ":", "--delegation", "always",
			"--resolve", "localhost:"+u.Port()+":127.0.0.1", urlFor(front, "localhost"))
		require.Equal(t, "200", code, headers+body)
		assert.Equal(t, "front="+alice+" back="+alice+" status=200", strings.TrimSpace(body))
	})

	t.Run("StoredCCacheMITKlistKvno", func(t *testing.T) {
		cc := "FILE:" + filepath.Join(t.TempDir(), "delegated.ccache")
		front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, http.HandlerFunc(func(w http.ResponseWriter, rq *http.Request) {
			cred, err := httpauth.IdentityFrom(rq.Context()).DelegatedCredential()
			if err == nil {
				err = gss.StoreCredential(cred, cc)
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusForbidden)
				return
			}
			w.Write([]byte("stored\n"))
		}))
		u, _ := url.Parse(front.URL)
		code, headers, body := curl(t, r, "--negotiate", "-u", ":", "--delegation", "always",
			"--resolve", "localhost:"+u.Port()+":127.0.0.1", urlFor(front, "localhost"))
		require.Equal(t, "200", code, headers+body)

		env := append(append(os.Environ(), r.Env()...), "KRB5CCNAME="+cc)
		out, err := runMIT(env, tools[0])
		require.NoError(t, err, "klist of the stored ccache: %s", out)
		assert.Contains(t, out, "Default principal: "+alice)
		assert.Contains(t, out, "krbtgt/"+r.Name+"@"+r.Name)
		out, err = runMIT(env, tools[1], "host/localhost@"+r.Name)
		require.NoError(t, err, "kvno with the stored ccache: %s", out)
		assert.Contains(t, out, "host/localhost@"+r.Name+": kvno = ")
		out, err = runMIT(env, tools[0])
		require.NoError(t, err, "%s", out)
		assert.Contains(t, out, "host/localhost@"+r.Name, "kvno added its service ticket to the stored ccache")
	})

	t.Run("NoDelegationWithoutFlag", func(t *testing.T) {
		front := serve(t, &httpauth.Server{Config: negotiate.Config{Provider: p}}, frontEnd(p, "http://127.0.0.1:9/", nil))
		u, _ := url.Parse(front.URL)
		code, headers, body := curl(t, r, "--negotiate", "-u", ":",
			"--resolve", "localhost:"+u.Port()+":127.0.0.1", urlFor(front, "localhost"))
		require.Equal(t, "403", code, headers+body)
		assert.Contains(t, body, "delegated no credential")
	})
}

func runMIT(env []string, bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
