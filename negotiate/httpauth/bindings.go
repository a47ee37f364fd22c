package httpauth

import (
	"crypto/x509"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/gss/tlsbinding"
)

// TLSServerEndPoint returns RFC 5929 tls-server-end-point channel bindings
// for a server certificate.
//
// Deprecated: use tlsbinding.ServerEndPoint, which this calls; it lives
// beside gss so that non-HTTP users need not import this package.
func TLSServerEndPoint(cert *x509.Certificate) *gss.ChannelBindings {
	return tlsbinding.ServerEndPoint(cert)
}
