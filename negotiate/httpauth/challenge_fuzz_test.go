package httpauth

import (
	"net/http"
	"testing"
)

// FuzzChallenge feeds arbitrary WWW-Authenticate and Proxy-Authenticate
// values (the client side of the origin and proxy paths, Squid's
// "token=" form included) to the challenge reader: a token or a typed
// error, never a panic, and a token only when a Negotiate challenge was
// found.
func FuzzChallenge(f *testing.F) {
	for _, s := range []string{"Negotiate", "Negotiate oRQwEqADCgEBoQsGCSqGSIL3EgECAg==",
		"Negotiate token=oRQwEqADCgEBoQsGCSqGSIL3EgECAg==", `Negotiate token="oRQw"`, "Basic realm=x, Negotiate",
		"negotiate   YGgGBisGAQUFAqBe", "Negotiate token=", "NTLM, Negotiate !!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, name := range []string{originAuth.challenge, proxyAuth.challenge} {
			tok, found, err := challengeToken(http.Header{http.CanonicalHeaderKey(name): {v}}, name)
			if !found && (tok != nil || err != nil) {
				t.Fatalf("%q: token or error without a challenge", v)
			}
			if err != nil && tok != nil {
				t.Fatalf("%q: token and error", v)
			}
		}
	})
}

// FuzzOfferedSchemes: any challenge a server or proxy sends is
// described without a panic.
func FuzzOfferedSchemes(f *testing.F) {
	f.Add(`Basic realm="corp", NTLM`)
	f.Add("Negotiate YIIB")
	f.Fuzz(func(t *testing.T, v string) { OfferedSchemes([]string{v}) })
}
