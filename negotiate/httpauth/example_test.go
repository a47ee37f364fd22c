package httpauth_test

import (
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// A client that requires the server to prove its identity, and prints the
// mechListMIC verdict of the exchange. Needs a Kerberos ticket and a
// server, so it is only compiled.
func ExampleTransport() {
	p, err := platform.Provider()
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p}}}
	resp, err := client.Get("http://web.example.com/")
	if err != nil {
		log.Fatal(err) // includes a 200 without a verified final token
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s\n%s", resp.Status, body)
	if res := httpauth.ResultOf(resp); res != nil {
		fmt.Println("mutual:", res.Mutual, "verdict:", res.Transcript.Verdict.Result)
	}
}

// A server greeting the authenticated principal.
func ExampleServer() {
	p, err := platform.Provider()
	if err != nil {
		log.Fatal(err)
	}
	auth := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	hs := &http.Server{Addr: "127.0.0.1:8080", Handler: auth.Middleware(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "hello", httpauth.Principal(r))
		}))}
	auth.Install(hs)
	log.Fatal(hs.ListenAndServe())
}
