// Package authproxy is a reverse proxy that puts HTTP Negotiate in front of
// an application, the job teams give Apache httpd + mod_auth_gssapi: it
// authenticates each client with httpauth.Server (Kerberos, NTLM, the
// mechListMIC policy), then forwards the request to a backend URL with the
// client's principal in a header the client cannot forge.
//
//	p := &authproxy.Proxy{
//		Backend: backendURL,
//		Auth:    &httpauth.Server{Config: negotiate.Config{Provider: prov}},
//	}
//	h, err := p.Handler()
//	hs := &http.Server{Handler: h}
//	p.Auth.Install(hs)
//
// What the backend receives: the request without the client's
// Authorization header and without any header that spells the principal
// header's name (in any case, with '-' or '_': a client-supplied
// "X_Remote_User" reaches a CGI or PHP backend as the same variable), then
// the principal header set by the proxy, plus X-Forwarded-For/-Host/-Proto.
// With an Active Directory KDC, AllowGroups admits members of groups only
// (by the ticket's verified PAC) and the client's group SIDs and UPN go to
// the backend in headers stripped from the client's request the same way
// (groups.go).
// The backend's own Negotiate challenges are dropped from its responses:
// the proxy owns that exchange with the client.
//
// The command `gssnego proxy` runs one.
package authproxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// DefaultPrincipalHeader is the header that carries the principal to the
// backend when Proxy.PrincipalHeader is empty (mod_auth_gssapi setups set
// the same with RequestHeader from REMOTE_USER).
const DefaultPrincipalHeader = "X-Remote-User"

// Proxy authenticates clients and forwards them to Backend.
type Proxy struct {
	// Backend is the URL requests are forwarded to; its path is prefixed
	// to the request's.
	Backend *url.URL
	// Auth authenticates the clients; required. Its limits (MaxPending,
	// PendingTimeout, MaxTokenBytes) and ConnectionAuth (keep-alive
	// authentication, like GssapiConnectionBound) apply as they are.
	Auth *httpauth.Server
	// PrincipalHeader names the header that carries the principal;
	// empty means DefaultPrincipalHeader.
	PrincipalHeader string
	// Allow restricts who may pass once authenticated: an entry is a whole
	// principal ("alice@EXAMPLE.COM") or a realm ("@EXAMPLE.COM"), compared
	// exactly (Kerberos names are case-sensitive). Empty lets every
	// authenticated principal through; others get 403.
	Allow []string
	// AllowGroups restricts who may pass by Active Directory group: the
	// client's verified PAC (httpauth.Identity.MemberOf) must list one of
	// these SIDs ("S-1-5-21-…-1106"); others get 403. Combined with Allow,
	// a client must pass both. Names (EXAMPLE\web-admins) are resolved to
	// SIDs by the caller (`gssnego proxy` does, through LDAP).
	AllowGroups []string
	// GroupsHeader and UPNHeader name the headers that carry the client's
	// verified group SIDs (comma-separated) and UPN to the backend; empty
	// means DefaultGroupsHeader and DefaultUPNHeader. Like the principal
	// header, a client cannot forge them (groups.go).
	GroupsHeader, UPNHeader string
	// Transport carries requests to the backend; nil means
	// http.DefaultTransport.
	Transport http.RoundTripper
	// AccessLog, when set, gets one line per request (see LogLine).
	AccessLog io.Writer
	// Now stamps the access log; nil means time.Now.
	Now func() time.Time
	// Delegate forwards each request to the backend authenticated as the
	// client, with HTTP Negotiate and the credential the client delegated
	// (the double hop): a backend that speaks Negotiate itself (IIS, Apache
	// mod_auth_gssapi, another gssnego server) sees the user, not the
	// proxy. The client must delegate (httpauth.Transport.Delegate, a
	// browser's delegation allow-list); a request without a delegated
	// credential gets 403 and does not reach the backend. Needs
	// Auth.Config.Provider.
	Delegate bool
	// BackendSPN is the backend's service name when delegating; empty
	// means "HTTP@<backend host>".
	BackendSPN string

	logMu        sync.Mutex
	replayHooked bool // hookReplayLog ran
}

// Handler returns the proxy's handler. Install p.Auth on the http.Server
// that serves it (Auth.Install) so multi-leg exchanges and ConnectionAuth
// follow their connections.
func (p *Proxy) Handler() (http.Handler, error) {
	if p.Backend == nil || p.Backend.Scheme == "" || p.Backend.Host == "" {
		return nil, errors.New("authproxy: Backend must be an absolute URL")
	}
	if p.Auth == nil {
		return nil, errors.New("authproxy: Auth (an httpauth.Server) is required")
	}
	for _, a := range p.Allow {
		if a == "" || a == "@" {
			return nil, fmt.Errorf("authproxy: Allow entry %q names no principal or realm", a)
		}
	}
	if p.Delegate && p.Auth.Config.Provider == nil {
		return nil, errors.New("authproxy: Delegate needs Auth.Config.Provider to reach the backend as the client")
	}
	header := http.CanonicalHeaderKey(p.PrincipalHeader)
	if header == "" {
		header = DefaultPrincipalHeader
	}
	authzHeaders, err := p.authzHeaders(header)
	if err != nil {
		return nil, err
	}
	p.Auth.Authz = true // the groups and UPN headers, AllowGroups
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(p.Backend)
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Del("Authorization")
			if id := httpauth.IdentityFrom(pr.In.Context()); id != nil {
				pr.Out.Header.Set(header, id.Principal)
				setAuthzHeaders(pr.Out.Header, authzHeaders, id)
			}
		},
		Transport:      p.backendTransport(),
		ModifyResponse: dropNegotiateChallenges,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			entryOf(r).err = err
			http.Error(w, "authproxy: backend unavailable", http.StatusBadGateway)
		},
	}
	p.hookReplayLog()
	inner := p.Auth.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := httpauth.IdentityFrom(r.Context())
		entryOf(r).id = id
		if !p.allowed(id.Principal) {
			http.Error(w, "authproxy: "+id.Principal+" is not allowed here", http.StatusForbidden)
			return
		}
		if !p.allowedGroup(id) {
			http.Error(w, "authproxy: "+id.Principal+" is in none of the groups allowed here", http.StatusForbidden)
			return
		}
		if p.Delegate {
			if _, err := id.DelegatedCredential(); err != nil {
				entryOf(r).err = err
				http.Error(w, "authproxy: this service reaches its backend as you, and your client delegated no credential", http.StatusForbidden)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stripSpoofable(r.Header, header)
		stripSpoofable(r.Header, authzHeaders.groups)
		stripSpoofable(r.Header, authzHeaders.upn)
		e := &entry{start: p.now()}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(rec, withEntry(r, e))
		if p.AccessLog != nil {
			p.logMu.Lock()
			io.WriteString(p.AccessLog, LogLine(e.start, r, rec.status, e.id, e.err)+"\n")
			p.logMu.Unlock()
		}
	}), nil
}

// backendTransport carries requests to the backend: Transport as it is, or
// with Delegate an HTTP Negotiate client per request holding the
// request's delegated credential (released by the middleware when the
// handler returns).
func (p *Proxy) backendTransport() http.RoundTripper {
	if !p.Delegate {
		return p.Transport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cred, err := httpauth.IdentityFrom(r.Context()).DelegatedCredential()
		if err != nil {
			return nil, err
		}
		asUser := &httpauth.Transport{
			Base:   p.Transport,
			Config: negotiate.Config{Provider: p.Auth.Config.Provider, Credential: cred},
			SPN:    p.BackendSPN,
			// The body goes out once (ReverseProxy's request has no
			// GetBody): the token rides on the first request, and the
			// backend must require authentication (it does: it takes
			// Negotiate from us).
			Preemptive: true,
		}
		return asUser.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (p *Proxy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// allowed applies Allow to an authenticated principal.
func (p *Proxy) allowed(principal string) bool {
	if len(p.Allow) == 0 {
		return true
	}
	realm := ""
	if at := strings.LastIndexByte(principal, '@'); at >= 0 {
		realm = principal[at:]
	}
	for _, a := range p.Allow {
		if a == principal || (a[0] == '@' && a == realm) {
			return true
		}
	}
	return false
}

// stripSpoofable removes every header a backend could read as the
// principal header: the same name in any case with '-' and '_' mixed.
func stripSpoofable(h http.Header, header string) {
	want := headerFold(header)
	for k := range h {
		if headerFold(k) == want {
			delete(h, k)
		}
	}
}

func headerFold(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// dropNegotiateChallenges keeps the backend's own Negotiate challenges away
// from the client, whose exchange is with the proxy.
func dropNegotiateChallenges(resp *http.Response) error {
	vals := resp.Header.Values("Www-Authenticate")
	if len(vals) == 0 {
		return nil
	}
	resp.Header.Del("Www-Authenticate")
	for _, v := range vals {
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Negotiate") {
			resp.Header.Add("Www-Authenticate", v)
		}
	}
	return nil
}
