package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gssnego/gssnego/cmd/gssnego/internal/pacfile"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/negotiate/httpauth/forward"
	"github.com/gssnego/gssnego/platform"
)

const forwardUsageText = `usage: gssnego forward (-upstream URL[,URL…] | -pac URL|FILE) [flags]

Runs a local forward HTTP proxy that answers an upstream proxy's Negotiate
(Kerberos) challenge for tools that cannot: point HTTP_PROXY and HTTPS_PROXY
at it. Plain http requests are forwarded with Proxy-Authorization on
kept-alive upstream connections (one authentication serves many requests);
https goes through CONNECT tunnels authenticated on their own upstream
connection. Credentials come from the Kerberos environment (KRB5CCNAME); no
credential ever goes to a DIRECT destination. Several upstreams, or a PAC
file's "PROXY a; PROXY b; DIRECT", fail over in order when one is down.
Only loopback clients are served unless -allow. Stops on SIGINT/SIGTERM.

  gssnego forward -upstream http://proxy.corp.example:8080 &
  export HTTP_PROXY=http://127.0.0.1:3128 HTTPS_PROXY=http://127.0.0.1:3128
`

// forwardFlags are the forward subcommand's settings.
type forwardFlags struct {
	listen, upstream, pac, allow, proxySPN, profile string
	native, requireMutual, log                      bool
	pacTimeout                                      time.Duration
}

// runForward is the forward subcommand.
func runForward(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	var ff forwardFlags
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, forwardUsageText); fs.PrintDefaults() }
	fs.StringVar(&ff.listen, "listen", "127.0.0.1:3128", "address to listen on")
	fs.StringVar(&ff.upstream, "upstream", "", "upstream proxy `URL`s, comma-separated, tried in order (http://proxy:8080)")
	fs.StringVar(&ff.pac, "pac", "", "proxy auto-config file: a path or an http(s) `URL` (fetched directly)")
	fs.StringVar(&ff.allow, "allow", "", "comma-separated client `CIDR`s served besides loopback")
	fs.StringVar(&ff.proxySPN, "proxy-spn", "", "upstream's service `name` (default HTTP@<upstream host>; needed for an upstream given by IP address)")
	fs.StringVar(&ff.profile, "profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	fs.BoolVar(&ff.native, "native", false, "use the GSS library's own SPNEGO instead of the Go engine")
	fs.BoolVar(&ff.requireMutual, "require-mutual", false, "refuse an upstream that does not prove its identity (Squid never does)")
	fs.BoolVar(&ff.log, "log", false, "write an access log line per request or tunnel to standard output")
	fs.DurationVar(&ff.pacTimeout, "pac-timeout", pacfile.DefaultTimeout, "bound of one PAC evaluation (a looping script is stopped)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	var logw io.Writer
	if ff.log {
		logw = stdout
	}
	p, err := newForwarder(context.Background(), ff, logw)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego forward:", err)
		return exitUsage
	}
	defer p.Close()
	l, err := net.Listen("tcp", ff.listen)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego forward:", err)
		return 1
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	route := ff.upstream
	if ff.pac != "" {
		route = "PAC " + ff.pac
	}
	fmt.Fprintf(stderr, "gssnego forward: listening on http://%s, upstream %s\n", l.Addr(), route)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx) // hijacked tunnels are not waited for
	}()
	if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "gssnego forward:", err)
		return 1
	}
	return 0
}

// newForwarder builds the proxy from the flags.
func newForwarder(ctx context.Context, ff forwardFlags, logw io.Writer) (*forward.Proxy, error) {
	var router forward.Router
	switch {
	case ff.upstream != "" && ff.pac != "":
		return nil, errors.New("give -upstream or -pac, not both")
	case ff.upstream != "":
		var ups []*url.URL
		for _, s := range strings.Split(ff.upstream, ",") {
			u, err := url.Parse(strings.TrimSpace(s))
			if err != nil || u.Scheme != "http" || u.Host == "" {
				return nil, fmt.Errorf("-upstream %q: want http://host:port", s)
			}
			ups = append(ups, u)
		}
		router = forward.Static(ups...)
	case ff.pac != "":
		pac, err := pacfile.Load(ctx, ff.pac, pacfile.Options{Timeout: ff.pacTimeout})
		if err != nil {
			return nil, err
		}
		router = pac
	default:
		return nil, errors.New("-upstream or -pac is required")
	}
	var allow []netip.Prefix
	if ff.allow != "" {
		for _, s := range strings.Split(ff.allow, ",") {
			pf, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("-allow: %w", err)
			}
			allow = append(allow, pf)
		}
	}
	prof, err := negotiate.ParseProfile(ff.profile)
	if err != nil {
		return nil, err
	}
	prov, err := platform.Provider()
	if err != nil {
		return nil, err
	}
	cfg := forward.Config{
		Auth: &httpauth.Transport{
			Config:             negotiate.Config{Provider: prov, Profile: prof, TargetOption: "-proxy-spn"},
			Native:             ff.native,
			ProxySPN:           ff.proxySPN,
			ProxyRequireMutual: ff.requireMutual,
		},
		Router: router,
		Allow:  allow,
	}
	if logw != nil {
		cfg.Log = forward.WriteLog(logw)
	}
	return forward.New(cfg)
}
