package ldapgss

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// LDAP (RFC 4511) tags this package looks at. Messages are BER with
// definite lengths only (RFC 4511 §5.1); Active Directory always writes
// 4-octet long-form lengths (0x84), so lengths need not be minimal.
const (
	tagSequence     = 0x30
	tagInteger      = 0x02
	tagEnumerated   = 0x0a
	tagBindResponse = 0x61 // [APPLICATION 1] constructed
)

// LDAP result codes that matter to the switch to the security layer.
const (
	resultSuccess            = 0
	resultSaslBindInProgress = 14
)

// maxLengthOctets bounds a BER long-form length: 4 octets (4 GiB) is more
// than any LDAP peer writes.
const maxLengthOctets = 4

// readPDU reads one whole LDAPMessage from r, leaving the bytes after it in
// r. offset is the stream position, for errors. At a clean end of stream it
// returns io.EOF; inside a message io.ErrUnexpectedEOF.
func readPDU(r *bufio.Reader, offset int64) ([]byte, error) {
	hdr, err := r.Peek(2)
	if err != nil {
		if len(hdr) > 0 && errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if hdr[0] != tagSequence {
		return nil, &FormatError{Where: "LDAP message", Offset: offset,
			Reason: fmt.Sprintf("tag 0x%02x, want a SEQUENCE (0x30)", hdr[0])}
	}
	hlen, n := 2, int64(hdr[1])
	if hdr[1] >= 0x80 {
		k := int(hdr[1] & 0x7f)
		if k == 0 || k > maxLengthOctets {
			return nil, &FormatError{Where: "LDAP message", Offset: offset + 1,
				Reason: fmt.Sprintf("length octet 0x%02x (indefinite or over %d octets)", hdr[1], maxLengthOctets)}
		}
		hlen += k
		long, err := r.Peek(hlen)
		if err != nil {
			return nil, unexpected(err)
		}
		n = 0
		for _, b := range long[2:] {
			n = n<<8 | int64(b)
		}
	}
	// Grow with the bytes that arrive, not with what the length claims.
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, r, int64(hlen)+n); err != nil {
		return nil, unexpected(err)
	}
	return buf.Bytes(), nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// berTLV splits one BER element off b: its one-octet tag, its content and
// the rest. High tag numbers (0x1f) do not occur where it is used.
func berTLV(b []byte) (tag byte, content, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag, n, hlen := b[0], int(b[1]), 2
	if b[1] >= 0x80 {
		k := int(b[1] & 0x7f)
		if k == 0 || k > maxLengthOctets || len(b) < 2+k {
			return 0, nil, nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hlen += k
	}
	if n < 0 || len(b)-hlen < n {
		return 0, nil, nil, false
	}
	return tag, b[hlen : hlen+n], b[hlen+n:], true
}

// bindResult reports whether msg (a whole LDAPMessage) is a BindResponse
// and, if so, its resultCode.
func bindResult(msg []byte) (code int64, isBind bool) {
	tag, body, _, ok := berTLV(msg)
	if !ok || tag != tagSequence {
		return 0, false
	}
	tag, _, body, ok = berTLV(body) // messageID
	if !ok || tag != tagInteger {
		return 0, false
	}
	tag, op, _, ok := berTLV(body)
	if !ok || tag != tagBindResponse {
		return 0, false
	}
	tag, rc, _, ok := berTLV(op)
	if !ok || tag != tagEnumerated || len(rc) == 0 || len(rc) > 4 {
		return 0, false
	}
	for _, c := range rc {
		code = code<<8 | int64(c)
	}
	return code, true
}
