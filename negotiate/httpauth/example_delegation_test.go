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

// The double hop: a front end that calls a back end as the authenticated
// user, with the credential the user delegated. The user's client sets
// Transport.Delegate (DelegateByPolicy: the KDC must mark the front end's
// service ok-as-delegate). Needs a realm, so it is only compiled.
func ExampleIdentity_DelegatedCredential() {
	p, err := platform.Provider()
	if err != nil {
		log.Fatal(err)
	}
	front := func(w http.ResponseWriter, r *http.Request) {
		id := httpauth.IdentityFrom(r.Context())
		cred, err := id.DelegatedCredential() // released when this handler returns
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden) // httpauth.ErrNoDelegation
			return
		}
		asUser := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p, Credential: cred}}}
		resp, err := asUser.Get("http://api.example.com/orders")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body) // the back end saw id.Principal
	}
	auth := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	hs := &http.Server{Addr: "127.0.0.1:8080", Handler: auth.Middleware(http.HandlerFunc(front))}
	auth.Install(hs)
	log.Fatal(hs.ListenAndServe())

	// The user's side:
	client := &http.Client{Transport: &httpauth.Transport{Config: negotiate.Config{Provider: p}, Delegate: httpauth.DelegateByPolicy}}
	resp, err := client.Get("http://front.example.com/")
	if err == nil {
		fmt.Println(resp.Status, httpauth.ResultOf(resp).Record.Delegation.Delegated)
	}
}
