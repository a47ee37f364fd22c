//go:build !windows

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// demoHTTP runs scenarios 1 and 2 again over HTTP Negotiate (RFC 4559):
// negotiate/httpauth's Transport against its middleware, service
// HTTP/localhost.
func demoHTTP(w io.Writer, p gss.Provider) error {
	ids := make(chan *httpauth.Identity, 1)
	mw := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	hs := &http.Server{
		Handler: mw.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			id := httpauth.IdentityFrom(r.Context())
			ids <- id
			fmt.Fprintf(rw, "hello, %s\n", id.Principal)
		})),
		ReadHeaderTimeout: 10 * time.Second,
	}
	mw.Install(hs)
	l, err := net.Listen("tcp", demoHost+":0")
	if err != nil {
		return err
	}
	go hs.Serve(l)
	defer hs.Close()
	url := "http://" + l.Addr().String() + "/"
	for i, sc := range []struct {
		title string
		cfg   negotiate.Config
	}{
		{"optimistic Kerberos, no mechListMIC due", negotiate.Config{Provider: p}},
		{"no optimistic token: the MIC exchange is due", negotiate.Config{Provider: p, NoOptimisticToken: true}},
	} {
		fmt.Fprintf(w, "\n== %d. HTTP Negotiate (negotiate/httpauth), GET %s as HTTP@localhost: %s\n", 5+i, url, sc.title)
		c := &http.Client{Transport: &httpauth.Transport{Config: sc.cfg, SPN: "HTTP@localhost"}, Timeout: 20 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res := httpauth.ResultOf(resp)
		var id *httpauth.Identity
		select {
		case id = <-ids:
		default:
		}
		if resp.StatusCode != http.StatusOK || res == nil || id == nil {
			return fmt.Errorf("HTTP %s: %s", resp.Status, body)
		}
		fmt.Fprintln(w, "   client's transcript:")
		writeTranscript(w, res.Transcript)
		fmt.Fprintln(w, "   server's transcript:")
		writeTranscript(w, id.Transcript)
		fmt.Fprintln(w, sspisample.VerdictLine(asResult(res.Transcript), asResult(id.Transcript)))
		fmt.Fprintf(w, "HTTP %s, %d legs, mutual: %v, body: %q\n", resp.Status, res.Legs, res.Mutual, body)
		if !res.Mutual {
			return errors.New("HTTP: the server's identity was not proven")
		}
	}
	return nil
}

// asResult lets VerdictLine judge an HTTP exchange.
func asResult(tr *negotiate.Transcript) *sspisample.Result {
	if tr == nil {
		return nil
	}
	return &sspisample.Result{Transcript: tr, Verdict: tr.Verdict.Result}
}
