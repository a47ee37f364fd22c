package httpauth

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"

	"github.com/gssnego/gssnego/gss"
)

// TLSServerEndPoint returns RFC 5929 tls-server-end-point channel bindings
// for a server certificate: ApplicationData is "tls-server-end-point:"
// followed by the hash of the DER certificate, with the hash of its
// signature algorithm, SHA-256 when that is MD5 or SHA-1 (RFC 5929 §4.1)
// or when the algorithm names none (Ed25519; what OpenSSL-based peers do).
func TLSServerEndPoint(cert *x509.Certificate) *gss.ChannelBindings {
	h := crypto.SHA256
	switch cert.SignatureAlgorithm {
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h = crypto.SHA512
	}
	d := h.New()
	d.Write(cert.Raw)
	return &gss.ChannelBindings{ApplicationData: d.Sum([]byte("tls-server-end-point:"))}
}

// connBindings returns the channel bindings of a TLS connection's server
// certificate, or nil for a plain connection.
func connBindings(cs *tls.ConnectionState) (*gss.ChannelBindings, error) {
	if cs == nil {
		return nil, nil
	}
	if len(cs.PeerCertificates) == 0 {
		return nil, errors.New("httpauth: TLS connection without a server certificate: no channel bindings")
	}
	return TLSServerEndPoint(cs.PeerCertificates[0]), nil
}
