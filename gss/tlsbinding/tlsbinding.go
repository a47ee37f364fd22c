// Package tlsbinding computes the RFC 5929 channel bindings of a TLS
// connection as gss.ChannelBindings, so that a GSS context can be bound to
// the TLS channel it runs over: tls-server-end-point (the server
// certificate's hash; HTTP Negotiate, LDAP over TLS, PostgreSQL) and
// tls-unique (the first Finished message of TLS 1.2; SQL Server's extended
// protection).
//
// It is the one place of the module that does this, shared by httpauth and
// the adapters; it lives beside gss rather than in it so that programs that
// never bind to TLS do not link crypto/tls and crypto/x509.
//
//	cs := conn.ConnectionState()
//	cb, err := tlsbinding.ServerEndPointOf(&cs)
//	ctx, err := prov.InitSecContext(target, gss.WithInitiatorChannelBindings(cb))
package tlsbinding

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/gss"
)

// Application-data prefixes of the RFC 5929 binding types.
const (
	PrefixServerEndPoint = "tls-server-end-point:"
	PrefixUnique         = "tls-unique:"
)

// ErrNoBinding says that a TLS connection offers no value for the binding
// type asked for: no server certificate, or no tls-unique under TLS 1.3.
var ErrNoBinding = errors.New("tlsbinding: no channel-binding value")

// ServerEndPoint returns the tls-server-end-point channel bindings of a
// server certificate: ApplicationData is "tls-server-end-point:" followed
// by the hash of the DER certificate, with the hash of its signature
// algorithm, SHA-256 when that is MD5 or SHA-1 (RFC 5929 §4.1) or when the
// algorithm names none (Ed25519; what OpenSSL-based peers do).
func ServerEndPoint(cert *x509.Certificate) *gss.ChannelBindings {
	h := crypto.SHA256
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = crypto.SHA512
	}
	d := h.New()
	d.Write(cert.Raw)
	return &gss.ChannelBindings{ApplicationData: d.Sum([]byte(PrefixServerEndPoint))}
}

// ServerEndPointOf returns the tls-server-end-point bindings of a client's
// TLS connection, from the server certificate it received (the first of
// cs.PeerCertificates). A server computes the same value with
// ServerEndPoint from its own certificate.
func ServerEndPointOf(cs *tls.ConnectionState) (*gss.ChannelBindings, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil, fmt.Errorf("%w: the TLS connection has no server certificate to bind to", ErrNoBinding)
	}
	return ServerEndPoint(cs.PeerCertificates[0]), nil
}

// Unique returns the tls-unique bindings of a TLS connection (RFC 5929
// §3): "tls-unique:" followed by the first Finished message. TLS 1.3 has
// no tls-unique (RFC 8446 §C.5); Unique then fails with ErrNoBinding.
func Unique(cs *tls.ConnectionState) (*gss.ChannelBindings, error) {
	if cs == nil || len(cs.TLSUnique) == 0 {
		return nil, fmt.Errorf("%w: the TLS connection has no tls-unique value (TLS 1.3, or resumed without extended master secret)", ErrNoBinding)
	}
	return &gss.ChannelBindings{ApplicationData: append([]byte(PrefixUnique), cs.TLSUnique...)}, nil
}
