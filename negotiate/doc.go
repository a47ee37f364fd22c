// Package negotiate speaks SPNEGO (RFC 4178, with Microsoft's MS-SPNG
// extensions): the token codec (NegTokenInit, NegTokenInit2, NegTokenResp),
// a key-less inspector that describes tokens and their inner mechanism
// tokens, and the mechListMIC policy that decides which side owes a MIC.
//
// # Codec
//
// The codec reads strict DER through cryptobyte without reflection and
// without copying: Parse and Token.Unmarshal return slices that alias the
// input. Every decoding failure is a *ParseError naming the token, the field
// and the byte offset, and matches mechtoken.ErrMalformed with errors.Is.
// Token.RawMechTypes keeps the MechTypeList exactly as received, the input
// of GetMIC/VerifyMIC for the mechListMIC.
//
// Where real peers deviate, the codec tolerates and flags instead of
// rejecting: a NegTokenResp inside RFC 2743 framing (old Sun/MIT,
// Token.Framed), a mechListMIC that repeats the responseToken (Windows 2000,
// Token.MICIsResponseTokenCopy; the policy decides), and a reqFlags BIT
// STRING with trailing zero bits (acceptors ignore reqFlags anyway). No
// captured peer sends BER lengths, so non-minimal and indefinite lengths are
// errors.
//
//	tok, err := negotiate.Parse(in)
//	if err != nil { ... }
//	if tok.Kind == negotiate.KindInit { mic := mech.GetMIC(tok.RawMechTypes) ... }
//
// # Inspector and policy
//
// Inspect describes one token as a Report; a Transcript collects the
// Reports of an exchange and keeps Policy.Evaluate's Verdict up to date.
// Evaluate is a pure function of the reports so far: an engine calls it
// after every token to learn which MICs are due (Verdict.Initiator.Due,
// Verdict.Acceptor.Due, with the Rule that makes them due), records its
// own VerifyMIC results with Transcript.SetMICCheck, and fails with
// Verdict.Err when the Result is not "ok".
//
// # Engines
//
// Client (initiator) and Server (acceptor) speak SPNEGO themselves over the
// raw mechanisms of a gss.Provider — MIT/Heimdal krb5 and gss-ntlmssp on
// Unix, SSPI's Kerberos and NTLM packages on Windows — and make and check
// the mechListMIC with the mechanism context, so the protection against a
// rewritten mechanism list is the same on every backend. Both implement
// gss.SecContext:
//
//	p, _ := platform.Provider()
//	target, _ := p.ImportName("HTTP@www.example.com", gss.NameHostBasedService)
//	c, _ := negotiate.NewClient(target, negotiate.Config{Provider: p})
//	out, err := c.Continue(nil) // send out; feed each reply to Continue until !c.ContinueNeeded()
//
// DueRule — the same function Policy.Evaluate uses — decides which MICs are
// due; a missing or invalid one fails the context with ErrMICMissing or
// ErrMICInvalid wrapped in an *Error that names the rule, and a failed
// context refuses every per-message call. Record returns the selection, the
// etype evidence, the MIC decisions and the Transcript with the engine's
// MIC checks. NewNativeClient and NewNativeServer (native mode) let the
// provider's own SPNEGO make the tokens and only inspect them and enforce
// the presence rules: MIC validity cannot be checked there. What real peers
// do, with the tests that show it, is in docs/engine.md.
//
// Delegation: Config.Flags' gss.FlagDeleg or gss.FlagDelegPolicy reach the
// mechanism; Server and Native acceptors hand over what it received
// (gss.Delegated), and Record.Delegation says what was asked for and
// forwarded, which the tokens themselves do not show (docs/delegation.md).
//
// # JSON
//
// A Transcript marshals to the document `gssnego inspect -json` prints:
//
//	{
//	  "tokens": [                      // one Report per token, in order
//	    {
//	      "index": 0,                  // position in the exchange
//	      "direction": "i2a",          // "i2a" initiator→acceptor, "a2i" acceptor→initiator
//	      "length": 743,               // token size in bytes
//	      "kind": "NegTokenInit",      // NegTokenInit | NegTokenInit2 | NegTokenResp | mechanism | malformed
//	      "framed": true,              // NegTokenResp in RFC 2743 framing (quirk); omitted if false
//	      "mechTypes": [{"oid": "1.2.840.113554.1.2.2", "name": "krb5"}],
//	      "reqFlags": 2,               // ContextFlags bit mask; omitted if absent
//	      "hintName": "...",           // NegTokenInit2 negHints.hintName
//	      "negState": "accept-completed", // accept-completed | accept-incomplete | reject | request-mic
//	      "supportedMech": {"oid": "...", "name": "ms-krb5"},
//	      "mechToken": {               // mechToken, responseToken, or the bare mechanism token
//	        "offset": 20, "length": 700,   // where it sits inside the SPNEGO token
//	        "mech": "krb5",            // krb5 | ntlmssp | negoex | unknown
//	        "message": "AP-REQ",       // AP-REQ | AP-REP | KRB-ERROR | TGT-REQ | TGT-REP | NEGOTIATE | CHALLENGE | AUTHENTICATE | NEGOEX | ...
//	        "mutual": true,            // AP-REQ mutual-required
//	        "ticketEtype": 18,         // AP-REQ ticket enctype (service key)
//	        "sessionEtype": 18,        // session key enctype (authenticator / AP-REP)
//	        "ntlmHasMic": true,        // NTLM AUTHENTICATE carries its own MIC
//	        "info": {...},             // everything mechtoken.Sniff read (see mechtoken.Info)
//	        "error": "..."             // the mechanism token could not be read
//	      },
//	      "mechListMIC": {
//	        "offset": 177, "length": 28,
//	        "format": "rfc4121",       // rfc4121 | rfc1964 | ntlm | copy-of-response-token | unknown
//	        "info": {...}              // mechtoken.Info: flags, checksum length, enctype family
//	      },
//	      "micCheck": "unchecked",     // unchecked | valid | invalid (set by an engine holding keys)
//	      "error": {"Token": "NegTokenResp", "Field": "negState", "Offset": 6, "Reason": "..."}
//	    }
//	  ],
//	  "verdict": {
//	    "profile": "windows",          // windows | rfc4178 | strict
//	    "result": "ok",                // ok | incomplete | partial | malformed | not-spnego | protocol-error | rejected |
//	                                   // mic-missing | downgrade-without-mic | mic-invalid | mic-unexpected |
//	                                   // mic-duplicate | mic-before-complete | mic-copy-rejected | no-integrity
//	    "reason": "...",               // one sentence
//	    "complete": true,              // accept-completed seen
//	    "firstMech": "1.3.6.1.4.1.311.2.2.10",   // F, the initiator's first mechanism
//	    "selectedMech": "1.2.840.113554.1.2.2",  // S, the acceptor's choice
//	    "downgrade": true,             // S ≠ F (all Kerberos OIDs are one mechanism)
//	    "requestMic": true, "optimisticAccepted": false, "extraLeg": true, "ntlmAuthenticateMic": false,
//	    "noIntegrity": true,           // NTLM without NEGOTIATE_SIGN: no MIC possible; omitted if false
//	    "etype": {"ticket": 18, "session": 18, "micFormat": "rfc4121",
//	              "newEnctype": "yes", "source": "mic-token"},   // yes | no | unknown
//	    "initiatorMic": {"due": true, "rule": "selected-not-first", "present": true,
//	                     "token": 4, "format": "rfc4121", "check": "unchecked"},
//	    "acceptorMic":  {...},
//	    "quirks": ["mic-copy-of-response-token", "supportedmech-omitted", "framed-negtokenresp",
//	               "first-reply-without-negstate"],
//	    "partial": true,               // starts mid-exchange (Policy.AllowPartial); omitted if false
//	    "undecided": ["..."]           // partial: what cannot be decided without the earlier tokens
//	  }
//	}
package negotiate
