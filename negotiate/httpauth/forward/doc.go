// Package forward is a local forward HTTP proxy that answers an upstream
// proxy's Negotiate challenge for tools that cannot: Go's net/http (and so
// go get, docker, kubectl, gh), git, npm, pip and curl without --proxy-negotiate
// reach a corporate proxy that demands Kerberos by pointing HTTP_PROXY and
// HTTPS_PROXY at it. "gssnego forward" is its command.
//
// Plain http requests arrive in absolute form and are sent on through
// httpauth.Transport.ProxyRoundTrip, which answers the upstream's 407 with
// Proxy-Authorization: Negotiate on a kept-alive connection, so a proxy
// that authenticates connections (Squid, with Kerberos or NTLM) is asked
// once per upstream connection, not once per request. CONNECT tunnels are
// opened by httpauth.Transport.Connect, whose exchange runs on the tunnel's
// own upstream connection; the bytes are then relayed untouched.
//
// The package lives in the root module because it needs nothing but
// httpauth and is useful as a library (an in-process proxy for a program
// that execs tools); the PAC-file evaluator needs a JavaScript engine and
// lives in the command's module, reaching the proxy through Router.
//
// Security rules the code keeps:
//   - a credential goes only to an upstream proxy, in Proxy-Authorization;
//     a DIRECT request carries what the tool sent and nothing of ours, and
//     an origin's 401 is never answered;
//   - the tool's own Proxy-Authorization (meant for us) is never passed on;
//   - only loopback clients are served unless Config.Allow says otherwise.
package forward
