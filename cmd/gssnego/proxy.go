package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/authproxy"
	"github.com/gssnego/gssnego/platform"
)

const proxyUsageText = `usage: gssnego proxy -backend URL [flags]

Runs a reverse proxy that authenticates every client with HTTP Negotiate
(Kerberos, NTLM where the GSS library has it; the mechListMIC policy of
-profile) and forwards authenticated requests to URL with the client's
principal in -header (a client-sent header of that name is removed). The
acceptor key comes from the keytab (-keytab, or KRB5_KTNAME). One access log
line per request goes to standard output: time, client, request, status,
principal, MIC verdict ("refused=replay" for a replayed Kerberos token).
Every accepted AP-REQ is checked against gssnego's replay cache
(-replay-cache): in memory by default, or one Redis/Valkey shared by the
instances of a fleet. Stops on SIGINT/SIGTERM.

-allow-group admits members of Active Directory groups only, from the
ticket's verified PAC (no LDAP call per request), and the backend gets the
client's group SIDs and UPN in -groups-header and -upn-header.
`

// runProxy is the proxy subcommand.
func runProxy(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, proxyUsageText); fs.PrintDefaults() }
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	backend := fs.String("backend", "", "backend `URL` requests are forwarded to (required)")
	header := fs.String("header", authproxy.DefaultPrincipalHeader, "header that carries the principal to the backend")
	allow := fs.String("allow", "", "comma-separated principals (alice@REALM) and realms (@REALM) allowed through; empty: every authenticated principal")
	var allowGroups listFlag
	fs.Var(&allowGroups, "allow-group", "Active Directory group allowed through, by `SID` (S-1-5-21-…) or DOMAIN\\name (looked up once at start through -ldap); repeatable or comma-separated; 403 for clients in none, from the ticket's verified PAC")
	groupsHeader := fs.String("groups-header", authproxy.DefaultGroupsHeader, "header that carries the client's verified group SIDs (comma-separated) to the backend")
	upnHeader := fs.String("upn-header", authproxy.DefaultUPNHeader, "header that carries the client's UPN (from the verified PAC) to the backend")
	var dir groupDirectory
	fs.StringVar(&dir.URL, "ldap", "", "directory (ldap://dc1.example.com) where -allow-group names are looked up, once at start, bound with Kerberos")
	fs.StringVar(&dir.SPN, "ldap-spn", "", "the directory's service name (default ldap/<host of -ldap>)")
	fs.StringVar(&dir.As, "ldap-as", "", "bind as this `principal` (the service's own account, e.g. svc-web@EXAMPLE.COM) with its keys from -ldap-keytab; default: the default credential (KRB5CCNAME)")
	fs.StringVar(&dir.Keytab, "ldap-keytab", "", "keytab holding -ldap-as's keys (default: -keytab)")
	keytab := fs.String("keytab", "", "acceptor keytab (default: KRB5_KTNAME or the system keytab)")
	profile := fs.String("profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	connAuth := fs.Bool("connection-auth", false, "authenticate a keep-alive connection once, like mod_auth_gssapi's GssapiConnectionBound")
	certFile := fs.String("cert", "", "serve TLS with this certificate (PEM); Negotiate is then bound to it (RFC 5929 tls-server-end-point)")
	keyFile := fs.String("key", "", "the certificate's private key (PEM)")
	delegate := fs.Bool("delegate", false, "reach the backend as the client with the credential it delegated (HTTP Negotiate to the backend; 403 for clients that delegate nothing)")
	backendSPN := fs.String("backend-spn", "", "the backend's service `name` with -delegate (default HTTP@<backend host>)")
	var rf replayFlags
	fs.StringVar(&rf.cache, "replay-cache", "memory", "replay cache: memory (this process), redis://host:port/db or rediss://… (shared by a fleet), or native (the GSS library's own)")
	fs.BoolVar(&rf.fallback, "replay-fallback", false, "with a Redis replay cache: use a local memory cache while Redis is unreachable instead of refusing (503)")
	fs.DurationVar(&rf.timeout, "replay-timeout", time.Second, "bound on each replay-cache check (Redis dial, read and write)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "gssnego proxy:", err); return 1 }
	p, auth, err := proxyFromFlags(*backend, *header, *allow, *keytab, *profile, *connAuth, rf)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego proxy:", err)
		return exitUsage
	}
	p.AccessLog = stdout
	p.GroupsHeader, p.UPNHeader = *groupsHeader, *upnHeader
	if p.AllowGroups, err = resolveGroups(allowGroups, dir.withKeytab(*keytab)); err != nil {
		fmt.Fprintln(stderr, "gssnego proxy: -allow-group:", err)
		return exitUsage
	}
	p.Delegate, p.BackendSPN = *delegate, *backendSPN
	var tlsConf *tls.Config
	if *certFile != "" || *keyFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fail(err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
		auth.Config.ChannelBindings = tlsbinding.ServerEndPoint(cert.Leaf)
	}
	h, err := p.Handler()
	if err != nil {
		return fail(err)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, TLSConfig: tlsConf}
	auth.Install(hs)
	scheme := "http"
	if tlsConf != nil {
		scheme = "https"
	}
	fmt.Fprintf(stderr, "gssnego proxy: listening on %s://%s, forwarding to %s\n", scheme, l.Addr(), p.Backend)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}()
	if tlsConf != nil {
		err = hs.ServeTLS(l, "", "")
	} else {
		err = hs.Serve(l)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return fail(err)
	}
	return 0
}

// proxyFromFlags builds the proxy and its authenticator from the flags.
func proxyFromFlags(backend, header, allow, keytab, profile string, connAuth bool, rf replayFlags) (*authproxy.Proxy, *httpauth.Server, error) {
	if backend == "" {
		return nil, nil, errors.New("-backend is required")
	}
	u, err := url.Parse(backend)
	if err != nil {
		return nil, nil, fmt.Errorf("-backend: %w", err)
	}
	prof, err := negotiate.ParseProfile(profile)
	if err != nil {
		return nil, nil, err
	}
	prov, err := platform.Provider()
	if err != nil {
		return nil, nil, err
	}
	// The keytab credential below is acquired through the replay cache's
	// provider, so that the library's own cache is off under ours.
	if prov, err = rf.provider(prov); err != nil {
		return nil, nil, err
	}
	cfg := negotiate.Config{Provider: prov, Profile: prof}
	if keytab != "" {
		cred, err := prov.AcquireCredential(nil, nil, gss.CredAcceptOnly, gss.WithKeytab(keytab))
		if err != nil {
			return nil, nil, fmt.Errorf("keytab %s: %w", keytab, err)
		}
		cfg.Credential = cred
	}
	auth := &httpauth.Server{Config: cfg, ConnectionAuth: connAuth, NativeReplayCache: rf.cache == "native"}
	p := &authproxy.Proxy{Backend: u, Auth: auth, PrincipalHeader: header}
	for _, a := range strings.Split(allow, ",") {
		if a = strings.TrimSpace(a); a != "" {
			p.Allow = append(p.Allow, a)
		}
	}
	return p, auth, nil
}
