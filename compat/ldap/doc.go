// Package ldapgss lets github.com/go-ldap/ldap/v3 bind with Kerberos
// through gssnego — SSPI on Windows, MIT or Heimdal GSSAPI elsewhere —
// and protects the session afterwards, which go-ldap cannot do itself.
//
// Client implements ldap.GSSAPIClient: SASL GSSAPI (RFC 4752) with the
// raw Kerberos mechanism (not SPNEGO), the platform provider's default
// credentials unless WithCredential gives others, mutual authentication
// always. After the context is established it unwraps the server's
// security-layer offer, checks it (exactly four octets, a known layer, a
// non-zero buffer size when protection is offered), chooses a layer, and
// answers with the layer, the largest buffer it accepts and the authzid.
//
// Conn carries the chosen layer: hand it to ldap.NewConn and to the Client
// (WithConn); after the bind every LDAP message travels as RFC 4752 SASL
// buffers — LDAP signing (LayerIntegrity) or sealing
// (LayerConfidentiality) — split to the server's maximum buffer size and
// reassembled on reading. Over TLS (LDAPS, or WithTLSConnectionState after
// StartTLS) the context is bound to the server certificate
// (tls-server-end-point) and no SASL layer is used, as Active Directory
// requires.
//
//	conn := ldapgss.NewConn(tcpConn)
//	l := ldap.NewConn(conn, false)
//	l.Start()
//	c, err := ldapgss.NewClient(ldapgss.WithConn(conn)) // err: no GSS provider
//	err = c.Bind(l, "ldap/dc1.example.com", "")
//
// Client.Bind is l.GSSAPIBindRequest plus errors that name the step
// (*BindError with the Step and the Target SPN: StepInitiate for a
// missing or expired ticket, an unreachable KDC or an SPN the KDC does not
// know — errors.Is gss.ErrNoTicket, gss.ErrTicketExpired,
// gss.ErrKDCUnreachable, gss.ErrServiceUnknown, and the message leads with
// the cause and its fix — StepContinue for a bad server token,
// StepSecurityLayer for a bad or unacceptable offer, StepServerReply when
// the server closed the connection or refused the bind). The step names
// and the constructor's shape are those of the other adapters (sshgss,
// pgxgss, mssqlgss). l.GSSAPIBind(client, spn, authzid) works too; then
// go-ldap's own errors come back for the server's replies. Set a request
// timeout on the ldap.Conn (SetTimeout): go-ldap waits for a silent server
// forever.
//
// # Credentials
//
// Without WithCredential the bind uses the default credential: the cache
// KRB5CCNAME names (kinit's), the logged-on user on Windows. For another
// cache, a client keytab or a password, acquire a credential and pass it
// (ExampleWithCredential):
//
//	p, err := platform.Provider()
//	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache("FILE:/var/lib/app/krb5cc"))
//	// or: user, err := p.ImportName("app@EXAMPLE.COM", gss.NameUserName)
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithClientKeytab("FILE:/etc/app.keytab"))
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(password))
//	defer cred.Release()
//	c, err := ldapgss.NewClient(ldapgss.WithCredential(cred), ldapgss.WithConn(conn))
//
// What go-ldap does not allow: SASL GSS-SPNEGO (its bind API hard-codes the
// mechanism name "GSSAPI" and offers no way to send another SASL bind), and
// protection with the security context of another bind: go-ldap deletes it
// at the end of each bind, so Conn takes over its ownership.
// See docs/compat.md for what was tested against which server.
package ldapgss
