// Package dnsgss gives github.com/miekg/dns GSS-TSIG (RFC 3645): the
// signed dynamic updates Active Directory zones require and BIND's
// krb5-self / krb5-subdomain update policies check, with Kerberos from
// gssnego — SSPI on Windows, MIT or Heimdal GSSAPI or the pure-Go
// provider elsewhere.
//
// Client negotiates a context with the server in a TKEY exchange (mode 3,
// over TCP, as many legs as the mechanism needs; the server's last token
// and its signature on the last answer are checked), then signs each
// message with a GSS MIC over the message and the TSIG variables (RFC
// 8945 §4.3.3) and verifies the MIC on every reply. The context is kept
// for later messages; when the server has forgotten it (BADKEY) the
// Client negotiates a new one and sends the message again, once.
//
//	c, err := dnsgss.NewClient("dc1.example.com:53") // target DNS@dc1.example.com, SPNEGO
//	m := new(dns.Msg)
//	m.SetUpdate("example.com.")
//	m.Insert([]dns.RR{a})
//	r, err := c.Exchange(ctx, m)
//
// SPNEGO (the default, through gssnego's own negotiation engine) is what
// Windows DNS and Samba expect; WithMechanism(Kerberos) sends the raw
// Kerberos token, which BIND and Samba accept as well (BIND 9.18's
// nsupdate -g itself sends SPNEGO). The algorithm name is "gss-tsig"
// unless WithAlgorithm(AlgMicrosoft) asks for Windows' own
// "gss.microsoft.com".
//
// Errors name the step (*Error with a Step): StepInitiate for a missing
// or expired ticket, an unreachable KDC or a DNS server the KDC does not
// know (errors.Is gss.ErrNoTicket, gss.ErrKDCUnreachable,
// gss.ErrServiceUnknown; the message leads with the cause and its fix),
// StepTKEY for a server that refuses the negotiation, StepReply for a
// refused update (a *RcodeError: REFUSED) or a TSIG error (errors.Is
// ErrBadKey, ErrBadSig, ErrBadTime), StepVerify for a reply whose
// signature does not verify or that is unsigned (ErrUnsigned).
//
// Server is the other side for a miekg/dns server: it answers TKEY
// queries, is the dns.Server's TsigProvider, and tells the handler which
// principal signed a request (Signer) so that it can decide per name;
// a bad, unknown or replayed signature is refused with the TSIG error
// RFC 8945 asks for (Refuse).
package dnsgss
