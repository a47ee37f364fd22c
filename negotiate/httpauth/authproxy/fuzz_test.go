//go:build linux

package authproxy_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/authproxy"
	"github.com/gssnego/gssnego/platform"
)

// FuzzProxyRequest sends the proxy requests with arbitrary header names,
// values and Authorization headers. Whatever arrives, nothing may panic and
// nothing reaches the backend without a completed exchange (a fuzzer cannot
// forge a Kerberos AP-REQ), so the backend is never called.
func FuzzProxyRequest(f *testing.F) {
	lab.Provider(f)
	f.Add("X_Remote_User", "mallory", "Negotiate oQcwBaADCgEC")
	f.Add("x-remote-user", "mallory", "Negotiate YIIBBgYGKwYBBQUCoA")
	f.Add("Authorization", "Basic Zm9vOmJhcg==", "Negotiate")
	f.Add("X-Forwarded-For", "10.0.0.1", "Negotiate !!!")
	f.Fuzz(func(t *testing.T, name, value, auth string) {
		testrealm.Shared(t)
		prov, err := platform.Provider()
		if err != nil {
			t.Fatal(err)
		}
		backend, _ := url.Parse("http://127.0.0.1:1/")
		called := false
		p := &authproxy.Proxy{
			Backend:   backend,
			Auth:      &httpauth.Server{Config: negotiate.Config{Provider: prov}},
			Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, http.ErrHandlerTimeout }),
		}
		h, err := p.Handler()
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "http://localhost/", nil)
		if validHeader(name) {
			req.Header[name] = []string{value}
		}
		req.Header.Set("Authorization", strings.ToValidUTF8(auth, ""))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if called || rec.Code == http.StatusOK {
			t.Fatalf("unauthenticated request reached the backend (status %d)", rec.Code)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func validHeader(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}
