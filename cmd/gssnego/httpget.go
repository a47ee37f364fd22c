package main

import (
	"context"
	"crypto/tls"
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// Exit statuses of http-get.
const (
	httpGetOK       = 0 // 2xx/3xx, server authenticated (mutual) unless relaxed
	httpGetStatus   = 1 // the server answered an error status (401, 403, 500…)
	httpGetUsage    = 2 // bad flags
	httpGetAuthFail = 3 // authentication failed: transport error, bad or missing final token, MIC policy
)

const httpGetUsageText = `usage: gssnego http-get [flags] URL

GETs URL with HTTP Negotiate (RFC 4559), like curl --negotiate -u :, and prints
the status line, the body and the negotiation transcript with the
mechListMIC verdicts. Credentials come from the Kerberos environment
(KRB5CCNAME, KRB5_CONFIG). The server must prove its identity with the final
token of the 200 (mutual authentication) unless -insecure-no-mutual is given.

Exit status: 0 success, 1 HTTP error status, 2 usage, 3 authentication failed.
`

// runHTTPGet is the http-get subcommand.
func runHTTPGet(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("http-get", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, httpGetUsageText); fs.PrintDefaults() }
	spn := fs.String("spn", "", "target `name` (default HTTP@<URL host>; HTTP/host@REALM for a principal)")
	profile := fs.String("profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	native := fs.Bool("native", false, "use the GSS library's own SPNEGO instead of the Go engine")
	noMutual := fs.Bool("insecure-no-mutual", false, "accept a success without the server's final token (server identity NOT proven)")
	preempt := fs.Bool("preemptive", false, "send the first token with the first request")
	noOpt := fs.Bool("no-optimistic", false, "no optimistic mechanism token (one more leg; mechListMICs required under the windows profile)")
	cbt := fs.Bool("channel-bindings", false, "bind to the TLS server certificate (RFC 5929 tls-server-end-point)")
	deleg := fs.Bool("delegate", false, "delegate the TGT if the KDC marks the service ok-as-delegate (GSS_C_DELEG_POLICY_FLAG)")
	delegAlways := fs.Bool("delegate-always", false, "delegate the TGT to any service (GSS_C_DELEG_FLAG, as curl --delegation always)")
	resolve := fs.String("resolve", "", "connect to `host:port:addr` instead of resolving host, as curl --resolve")
	asJSON := fs.Bool("json", false, "print the transcript as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "overall timeout")
	proxy := fs.String("proxy", "", "HTTP proxy `URL` to authenticate to with Negotiate (default: HTTP_PROXY/HTTPS_PROXY/NO_PROXY; \"none\": direct)")
	if err := fs.Parse(args); err != nil {
		return httpGetUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return httpGetUsage
	}
	prof, err := negotiate.ParseProfile(*profile)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego http-get:", err)
		return httpGetUsage
	}
	p, err := platform.Provider()
	if err != nil {
		fmt.Fprintln(stderr, "gssnego http-get:", err)
		return httpGetAuthFail
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSClientConfig = &tls.Config{}
	if *resolve != "" {
		hostPort, addr, ok := cutLast(*resolve, ":")
		if !ok {
			fmt.Fprintln(stderr, "gssnego http-get: -resolve wants host:port:addr")
			return httpGetUsage
		}
		_, port, _ := net.SplitHostPort(hostPort)
		target := net.JoinHostPort(addr, port)
		base.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
			if a == hostPort {
				a = target
			}
			return (&net.Dialer{}).DialContext(ctx, network, a)
		}
	}
	var res *httpauth.Result
	tr := &httpauth.Transport{
		Base:               base,
		Config:             negotiate.Config{Provider: p, Profile: prof, NoOptimisticToken: *noOpt, TargetOption: "-spn"},
		Native:             *native,
		SPN:                *spn,
		Preemptive:         *preempt,
		AllowMissingMutual: *noMutual,
		ChannelBindings:    *cbt,
		Delegate:           delegation(*deleg, *delegAlways),
		OnResult:           func(_ *http.Request, r *httpauth.Result) { res = r },
		Proxy:              http.ProxyFromEnvironment,
	}
	switch *proxy {
	case "":
	case "none":
		tr.Proxy = nil
	default:
		u, err := url.Parse(*proxy)
		if err != nil || u.Host == "" {
			fmt.Fprintln(stderr, "gssnego http-get: -proxy wants a URL such as http://proxy:3128")
			return httpGetUsage
		}
		tr.Proxy = http.ProxyURL(u)
	}
	// A context deadline rather than http.Client.Timeout: it bounds the
	// same (connection, legs, body) and keeps the error's chain, so an
	// authentication step abandoned at the deadline says so.
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fs.Arg(0), nil)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego http-get:", err)
		return httpGetUsage
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego http-get:", err)
		printHTTPResult(stdout, res, *asJSON)
		return httpGetAuthFail
	}
	defer resp.Body.Close()
	if pr := httpauth.ResultOf(resp); pr != nil && pr.Proxy != nil {
		printProxyResult(stdout, pr.Proxy)
	}
	fmt.Fprintf(stdout, "%s %s\n", resp.Proto, resp.Status)
	if _, err := io.Copy(stdout, resp.Body); err != nil {
		fmt.Fprintln(stderr, "gssnego http-get: reading body:", err)
		return httpGetStatus
	}
	printHTTPResult(stdout, res, *asJSON)
	switch {
	case res != nil && res.Err != nil:
		fmt.Fprintln(stderr, "gssnego http-get:", res.Err)
		return httpGetStatus
	case resp.StatusCode >= 400:
		return httpGetStatus
	case res == nil:
		fmt.Fprintln(stderr, "gssnego http-get: the server did not ask for Negotiate authentication")
	case !res.Mutual:
		fmt.Fprintln(stderr, "gssnego http-get: WARNING: the server's identity was not proven (-insecure-no-mutual)")
	}
	return httpGetOK
}

// printHTTPResult prints the exchange after the body.
func printHTTPResult(w io.Writer, res *httpauth.Result, asJSON bool) {
	if res == nil {
		return
	}
	if asJSON {
		doc := struct {
			Target     string                `json:"target"`
			Legs       int                   `json:"legs"`
			Mutual     bool                  `json:"mutual"`
			Error      string                `json:"error,omitempty"`
			Transcript *negotiate.Transcript `json:"transcript,omitempty"`
		}{res.Target, res.Legs, res.Mutual, errString(res.Err), res.Transcript}
		b, _ := json.MarshalIndent(doc, "", "  ")
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "\n--- negotiation: target %s, %d token leg(s), mutual authentication %s\n",
		res.Target, res.Legs, map[bool]string{true: "verified", false: "NOT verified"}[res.Mutual])
	if res.Err != nil {
		fmt.Fprintf(w, "error: %v\n", res.Err)
	}
	printDelegation(w, res.Record)
	if res.Transcript != nil {
		printTranscript(w, res.Transcript)
	}
}

// printProxyResult prints the proxy exchange before the response.
func printProxyResult(w io.Writer, res *httpauth.Result) {
	v := "-"
	if res.Transcript != nil {
		v = res.Transcript.Verdict.Result
	}
	fmt.Fprintf(w, "--- proxy: target %s, %d token leg(s), proxy identity %s, verdict %s\n", res.Target, res.Legs,
		map[bool]string{true: "proven", false: "NOT proven (the proxy sent no final token)"}[res.Mutual], v)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
