//go:build !windows

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
)

// demoDoubleHop is scenarios 7 and 8: the double hop. The user asks for delegation
// by policy; the front end's service (HTTP/okdeleg.gssnego.test) is marked
// ok-as-delegate in the KDC, so the TGT is forwarded; the front handler
// takes the delegated credential from its request's Identity and calls the
// back end (HTTP/localhost) as the user. Then the same against a front end
// whose service is not marked: nothing is forwarded, and the handler says
// so.
func demoDoubleHop(w io.Writer, p gss.Provider) error {
	back := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	backURL, stopBack, err := serveDemo(back.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprint(rw, httpauth.Principal(r))
	})), back)
	if err != nil {
		return err
	}
	defer stopBack()
	front := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	frontURL, stopFront, err := serveDemo(front.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		id := httpauth.IdentityFrom(r.Context())
		cred, err := id.DelegatedCredential() // released when this handler returns
		if err != nil {
			http.Error(rw, err.Error(), http.StatusForbidden)
			return
		}
		c := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p, Credential: cred}, SPN: "HTTP@localhost"},
			Timeout: 20 * time.Second}
		resp, err := c.Get(backURL)
		if err != nil {
			http.Error(rw, "back end: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(rw, "front end saw %s; back end saw %s", id.Principal, b)
	})), front)
	if err != nil {
		return err
	}
	defer stopFront()
	okSPN := "HTTP@" + strings.TrimPrefix(testrealm.ServiceOKAsDelegate, "HTTP/")
	for i, sc := range []struct{ spn, note string }{
		{okSPN, "marked ok-as-delegate"},
		{"HTTP@localhost", "not marked ok-as-delegate"},
	} {
		fmt.Fprintf(w, "\n== %d. double hop: GET %s as %s (%s), delegation by policy; the front end calls %s as the user\n",
			7+i, frontURL, sc.spn, sc.note, backURL)
		tr := &httpauth.Transport{Config: negotiate.Config{Provider: p}, SPN: sc.spn, Delegate: httpauth.DelegateByPolicy}
		resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Get(frontURL)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rec := httpauth.ResultOf(resp).Record
		fmt.Fprintf(w, "client: asked with %v, TGT forwarded: %v (the AP-REQ authenticator, encrypted, is %d bytes)\n",
			rec.Delegation.Requested, rec.Delegation.Delegated, authenticatorLen(rec))
		fmt.Fprintf(w, "HTTP %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// serveDemo serves h on a loopback port with s's connection hooks.
func serveDemo(h http.Handler, s *httpauth.Server) (string, func(), error) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.Install(hs)
	l, err := net.Listen("tcp", demoHost+":0")
	if err != nil {
		return "", nil, err
	}
	go hs.Serve(l)
	return "http://" + l.Addr().String() + "/", func() { hs.Close() }, nil
}

// authenticatorLen is the size of the AP-REQ's encrypted authenticator: a
// forwarded TGT makes it larger, and that is all the tokens show of it.
func authenticatorLen(rec *negotiate.Record) int {
	for _, r := range rec.Transcript.Reports {
		if r.MechToken != nil && r.MechToken.Message == "AP-REQ" {
			return r.MechToken.Info.Kerberos.Authenticator.CipherLen
		}
	}
	return 0
}
