package tlsbinding_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss/tlsbinding"
)

// want is the RFC 5929 value for a certificate hashed with h.
func want(h crypto.Hash, raw []byte) []byte {
	d := h.New()
	d.Write(raw)
	return d.Sum([]byte("tls-server-end-point:"))
}

// TestServerEndPointHash checks the hash rule of RFC 5929 §4.1: the
// certificate's signature hash, but SHA-256 for MD5 and SHA-1, and SHA-256
// when the algorithm has no hash of its own (Ed25519).
func TestServerEndPointHash(t *testing.T) {
	raw := []byte("a DER certificate")
	for _, tc := range []struct {
		alg x509.SignatureAlgorithm
		h   crypto.Hash
	}{
		{x509.MD5WithRSA, crypto.SHA256},
		{x509.SHA1WithRSA, crypto.SHA256},
		{x509.ECDSAWithSHA1, crypto.SHA256},
		{x509.SHA256WithRSA, crypto.SHA256},
		{x509.ECDSAWithSHA256, crypto.SHA256},
		{x509.SHA384WithRSA, crypto.SHA384},
		{x509.ECDSAWithSHA384, crypto.SHA384},
		{x509.SHA384WithRSAPSS, crypto.SHA384},
		{x509.SHA512WithRSA, crypto.SHA512},
		{x509.ECDSAWithSHA512, crypto.SHA512},
		{x509.SHA512WithRSAPSS, crypto.SHA512},
		{x509.PureEd25519, crypto.SHA256},
		{x509.UnknownSignatureAlgorithm, crypto.SHA256},
	} {
		cb := tlsbinding.ServerEndPoint(&x509.Certificate{Raw: raw, SignatureAlgorithm: tc.alg})
		assert.Equal(t, want(tc.h, raw), cb.ApplicationData, tc.alg.String())
		assert.Nil(t, cb.InitiatorAddress, tc.alg.String())
	}
}

// selfSigned makes a certificate for 127.0.0.1 signed with key.
func selfSigned(t *testing.T, key crypto.Signer) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tlsbinding test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// handshake runs a TLS handshake over a pipe and returns the client's state.
func handshake(t *testing.T, cert tls.Certificate, version uint16) tls.ConnectionState {
	t.Helper()
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	srv := tls.Server(s, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: version})
	done := make(chan error, 1)
	go func() { done <- srv.Handshake() }()
	cli := tls.Client(c, &tls.Config{InsecureSkipVerify: true, MaxVersion: version})
	require.NoError(t, cli.Handshake())
	require.NoError(t, <-done)
	return cli.ConnectionState()
}

func TestOfConnectionState(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for name, key := range map[string]crypto.Signer{"P-384": p384, "Ed25519": ed} {
		cert := selfSigned(t, key)
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		require.NoError(t, err)
		h := crypto.SHA256
		if name == "P-384" {
			require.Equal(t, x509.ECDSAWithSHA384, leaf.SignatureAlgorithm)
			h = crypto.SHA384
		}

		cs := handshake(t, cert, tls.VersionTLS12)
		cb, err := tlsbinding.ServerEndPointOf(&cs)
		require.NoError(t, err, name)
		assert.Equal(t, want(h, leaf.Raw), cb.ApplicationData, name)
		assert.Equal(t, tlsbinding.ServerEndPoint(leaf), cb, "client and server compute the same value")
		u, err := tlsbinding.Unique(&cs)
		require.NoError(t, err, name)
		assert.True(t, bytes.HasPrefix(u.ApplicationData, []byte("tls-unique:")))
		assert.Equal(t, cs.TLSUnique, u.ApplicationData[len("tls-unique:"):])

		cs13 := handshake(t, cert, tls.VersionTLS13)
		_, err = tlsbinding.Unique(&cs13)
		assert.True(t, errors.Is(err, tlsbinding.ErrNoBinding), "TLS 1.3 has no tls-unique: %v", err)
	}
	_, err = tlsbinding.ServerEndPointOf(&tls.ConnectionState{})
	assert.ErrorIs(t, err, tlsbinding.ErrNoBinding)
	_, err = tlsbinding.ServerEndPointOf(nil)
	assert.ErrorIs(t, err, tlsbinding.ErrNoBinding)
	_, err = tlsbinding.Unique(nil)
	assert.ErrorIs(t, err, tlsbinding.ErrNoBinding)
}
