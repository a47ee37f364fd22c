package capture

// carried is one security token a carrier found in a stream.
type carried struct {
	tok        []byte
	fromClient bool
	// mech is the carrier's own name for the mechanism when it says one
	// (an LDAP SASL mechanism, an HTTP scheme); empty for SPNEGO.
	mech string
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
	case looksSMB(b):
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
