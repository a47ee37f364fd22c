// Package sshgss plugs gssnego into golang.org/x/crypto/ssh's
// gssapi-with-mic authentication (RFC 4462): Client is an ssh.GSSAPIClient
// for ssh.GSSAPIWithMICAuthMethod, Server an ssh.GSSAPIServer for
// ssh.GSSAPIWithMICConfig. Both run raw Kerberos V5 — the only mechanism
// x/crypto/ssh and OpenSSH negotiate for this method — through the
// platform's provider: MIT or Heimdal GSS-API on Unix, SSPI on Windows.
// The import path is github.com/gssnego/gssnego/compat/ssh; the package
// is sshgss so that it does not shadow x/crypto's ssh.
//
// A client logs in with the user's ticket (KRB5CCNAME, or WithCredential)
// to a server named as x/crypto/ssh names it, host@<target>:
//
//	gssClient, err := sshgss.NewClient()               // sshgss.WithDelegation() forwards the TGT
//	config := &ssh.ClientConfig{
//		User:            "alice",
//		Auth:            []ssh.AuthMethod{ssh.GSSAPIWithMICAuthMethod(gssClient, "server.example.com")},
//		HostKeyCallback: hostKeyCallback,
//	}
//	conn, err := ssh.Dial("tcp", "server.example.com:22", config)
//
// Another credential cache, a client keytab or a password: acquire a
// credential from the provider and pass it with WithCredential (the caller
// keeps and releases it):
//
//	p, err := platform.Provider()
//	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache("FILE:/home/alice/krb5cc"))
//	// or: user, err := p.ImportName("alice@EXAMPLE.COM", gss.NameUserName)
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithClientKeytab("FILE:/etc/alice.keytab"))
//	//     cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(password))
//	defer cred.Release()
//	gssClient, err := sshgss.NewClient(sshgss.WithCredential(cred))
//
// A server accepts with the keys of its keytab (KRB5_KTNAME, or
// WithKeytab) and maps the authenticated principal to a login in
// AllowLogin; AllowSameUser is OpenSSH's default rule. Because
// x/crypto/ssh hands the GSSAPIServer no connection, each connection needs
// its own Server: see the example.
//
// # Choices
//
//   - Client flags: mutual authentication and integrity, as OpenSSH's ssh
//     asks; delegation with WithDelegation (x/crypto/ssh always passes
//     isGSSDelegCreds false; a true value is honoured too). A completed
//     context that did not grant integrity or mutual authentication is
//     refused before any MIC is made.
//   - Server: any key of the keytab is accepted unless WithAcceptorName
//     pins one principal (GSSAPIStrictAcceptorCheck no / yes in OpenSSH
//     terms). A first token framed for another mechanism (a client sending
//     SPNEGO or NTLM after negotiating Kerberos) is refused with
//     ErrWrongMech before the library sees it.
//     srcName is the principal's display form, "user@REALM", as
//     GSSAPIWithMICConfig documents.
//   - Delegated credentials received by the Server are not kept (the
//     platform provider releases them); ContextInfo shows gss.FlagDeleg
//     when the client forwarded one.
//   - Windows: the Client over SSPI's Kerberos package logs in to OpenSSH,
//     delegation included (tested under Wine 8). The Server needs the client's name from SSPI
//     (SECPKG_ATTR_NATIVE_NAMES), which Wine does not provide: there it
//     refuses every login with ErrNoInitiatorName; on real Windows it is
//     untested.
//
// # Errors
//
// Every failure is an *Error naming the step (StepInitiate, StepContinue,
// StepGetMIC, StepAcceptSecContext, StepVerifyMIC, …; StepInitiate and
// StepContinue as in the other adapters) and the Target, and wrapping the
// provider's *gss.Error, so errors.Is(err, gss.ErrNoTicket) (no ticket),
// gss.ErrTicketExpired, gss.ErrKDCUnreachable, gss.ErrServiceUnknown (the
// Kerberos faults, which lead the message with what to do),
// gss.ErrDefectiveToken (a token that is not Kerberos) and gss.ErrBadMIC (a
// MIC that does not match the session) work on what ssh.Dial or
// ssh.NewServerConn return. A peer that closes mid-exchange surfaces from
// x/crypto/ssh itself (errors.Is(err, io.EOF)); the half-built context is
// deleted either way. See docs/compat.md for what was tested against
// OpenSSH 9.2 and what was not.
package sshgss
