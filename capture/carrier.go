package capture

// carried is one security token a carrier found in a stream.
type carried struct {
	tok        []byte
	fromClient bool
	// mech is the carrier's own name for the mechanism when it says one
	// (an LDAP SASL mechanism, an HTTP scheme); empty for SPNEGO.
	mech string
	// sub names a sub-stream the carrier multiplexes (an SMB2 named
	// pipe's FileId): its tokens form exchanges of their own, reported
	// under carrier (the protocol inside) and pipe (its name, if seen).
	sub, carrier, pipe string
	// event, with no token, tells the auditor what a message meant
	// (OfferLegacy: a session setup without a security blob).
	event string
}

// subCarrier is a carrier with sub-streams: subWrapped counts one
// sub-stream's per-message tokens.
type subCarrier interface {
	subWrapped(sub string) int
}

// orientByContent says whether b, the first bytes seen from one side of a
// connection whose SYN the capture missed, were sent by the client: SMB's
// reply flag and NetBIOS session packet type, LDAP's protocolOp, the
// DCE/RPC PDU type, an HTTP request or status line. ok is false when the
// bytes do not say.
func orientByContent(b []byte) (fromClient, ok bool) {
	switch {
	case looksHTTPResponse(b):
		return false, true
	case looksHTTP(b):
		return true, true
	case looksLDAPResponse(b):
		return false, true
	case looksLDAPRequest(b):
		return true, true
	case looksSMB(b) || looksNBSSRequest(b):
		return smbFromClient(b)
	case len(b) >= rpcHeaderLen && b[0] == 5 && b[1] == 0:
		switch b[2] {
		case rpcRequest, rpcBind, rpcAlterContext, rpcAuth3, 18, 19: // co_cancel, orphaned
			return true, true
		case rpcResponse, 3, rpcBindAck, 13, rpcAlterResponse, 17: // fault, bind_nak, shutdown
			return false, true
		}
	case looksSampleResponse(b):
		return false, true
	case looksDNSResponse(b):
		return false, true
	case looksDNS(b):
		return true, true
	}
	return false, false
}

// serverPort says whether a port is a well-known server port of the
// carriers read here (and of common proxies), so that a connection whose
// messages do not say which side is which is oriented by port.
func serverPort(p uint16) bool {
	switch p {
	case 53, 80, 88, 135, 139, 389, 443, 445, 593, 636, 3128, 3268, 3269, 5985, 5986, 8080, 8443:
		return true
	}
	return false
}

// carrier finds security tokens in one connection's byte streams.
type carrier interface {
	// name is the protocol, as printed ("http", "ldap").
	name() string
	// parse consumes whole protocol units from the front of buf and
	// returns how many bytes it used; 0 means it needs more bytes. A
	// non-nil error is a per-unit warning: the carrier has skipped what it
	// could not read.
	parse(fromClient bool, buf []byte) (n int, toks []carried, err error)
	// resync is called after bytes were lost in one direction.
	resync(fromClient bool)
	// wrapped counts per-message security tokens seen after
	// authentication (LDAP SASL wrap, sealed RPC): traffic, not exchanges.
	wrapped() int
}

// sniffCarrier picks a carrier from the first bytes a side sent: carriers
// are found by content, not by port (DCE/RPC runs on dynamic ports).
func sniffCarrier(b []byte) carrier {
	switch {
	case looksHTTP(b):
		return &httpCarrier{}
	case looksLDAP(b):
		return &ldapCarrier{}
	case looksSMB(b), looksNBSSRequest(b):
		return &smb2Carrier{}
	case looksDCERPC(b):
		return &dcerpcCarrier{}
	case looksSample(b):
		return &sampleCarrier{}
	case looksDNS(b): // capture/dns.go
		return &dnsCarrier{}
	}
	return nil
}

// looksHTTPResponse and looksLDAPResponse tell the server's first bytes
// when the capture missed the handshake and the client's request.
func looksHTTPResponse(b []byte) bool { return len(b) >= 7 && string(b[:7]) == "HTTP/1." }

// looksSampleResponse: a sample frame holding a NegTokenResp or an NTLM
// CHALLENGE comes from the server (the client's first frame is a framed
// NegTokenInit, a krb5 AP-REQ or an NTLM NEGOTIATE).
func looksSampleResponse(b []byte) bool {
	return looksSample(b) && (b[4] == 0xa1 || b[4] == 'N' && b[12] == 2)
}

// looksLDAPRequest: protocolOp APPLICATION 0, 2, 3, 6, 8, 10, 12, 14,
// 16 or 23 (bind, unbind, search, modify, add, del, modDN, compare,
// abandon, extended) comes from the client.
func looksLDAPRequest(b []byte) bool {
	op, ok := ldapOp(b)
	if !ok {
		return false
	}
	switch op {
	case 0, 2, 3, 6, 8, 10, 12, 14, 16, 23:
		return true
	}
	return false
}

// ldapOp returns the APPLICATION tag number of an LDAPMessage's protocolOp.
func ldapOp(b []byte) (int, bool) {
	if !looksLDAP(b) {
		return 0, false
	}
	_, hl, _ := berLength(b[1:])
	_, _, rest, ok := berTLV(b[1+hl:])
	if !ok || len(rest) == 0 || rest[0]&0xc0 != 0x40 {
		return 0, false
	}
	return int(rest[0] & 0x1f), true
}

func looksLDAPResponse(b []byte) bool {
	if !looksLDAP(b) {
		return false
	}
	_, hl, _ := berLength(b[1:])
	_, _, rest, ok := berTLV(b[1+hl:])
	// Responses are APPLICATION 1, 4, 5, 7, 9, 11, 13, 15, 19, 24, 25.
	if !ok || len(rest) == 0 || rest[0]&0xc0 != 0x40 {
		return false
	}
	switch rest[0] & 0x1f {
	case 1, 4, 5, 7, 9, 11, 13, 15, 19, 24, 25:
		return true
	}
	return false
}
