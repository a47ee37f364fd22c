package httpauth

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// Scheme is the RFC 4559 authentication scheme name.
const Scheme = "Negotiate"

// DefaultMaxTokenBytes bounds the base64 text of one Authorization header
// token. Windows clients send up to 48 000 bytes of token (MaxTokenSize),
// IIS accepts 64 KiB header fields: 48 000 bytes are 64 000 in base64, just
// under this limit (a user in ~5 900 groups on Samba AD; see
// docs/performance.md, "Large PACs").
const DefaultMaxTokenBytes = 64 << 10

// rejectToken is a NegTokenResp with negState reject and nothing else
// (a1 07 30 05 a0 03 0a 01 02): what a failed exchange answers when the
// engine has no better token, so that the client's context ends instead
// of restarting.
var rejectToken = []byte{0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02}

// headerError is a malformed Authorization header: answered with 400.
type headerError struct{ reason string }

func (e *headerError) Error() string { return "httpauth: Authorization header: " + e.reason }

// authorizationToken extracts the Negotiate token from the request's
// Authorization header. ok is false when there is no Negotiate
// authorization at all (no header, or another scheme). The size limit is
// checked before anything is decoded.
func authorizationToken(h http.Header, maxBytes int) (tok []byte, ok bool, err error) {
	vals := h.Values("Authorization")
	if len(vals) == 0 {
		return nil, false, nil
	}
	if len(vals) > 1 {
		return nil, true, &headerError{fmt.Sprintf("%d Authorization headers, want one", len(vals))}
	}
	v := vals[0]
	if len(v) > maxBytes+len(Scheme)+1 {
		return nil, true, &headerError{fmt.Sprintf("%d bytes, limit %d", len(v), maxBytes+len(Scheme)+1)}
	}
	scheme, rest, _ := strings.Cut(strings.TrimLeft(v, " "), " ")
	if !strings.EqualFold(scheme, Scheme) {
		return nil, false, nil
	}
	rest = strings.Trim(rest, " ")
	if rest == "" {
		return nil, true, &headerError{"Negotiate without a token"}
	}
	tok, err = decodeToken(rest)
	if err != nil {
		return nil, true, &headerError{err.Error()}
	}
	return tok, true, nil
}

// decodeToken decodes RFC 4559 gssapi-data: standard base64; missing
// padding is tolerated, as IIS and mod_auth_gssapi tolerate it.
func decodeToken(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
		s = strings.TrimRight(s, "=")
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("token is not base64: %w", err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("empty token")
	}
	return b, nil
}

// challengeToken finds a Negotiate challenge among the response's
// WWW-Authenticate headers. found says whether one was there; tok is its
// token, nil for a bare challenge. A header may list several challenges
// separated by commas ("Negotiate, Basic realm=x"); a token68 never holds
// a comma.
func challengeToken(h http.Header, name string) (tok []byte, found bool, err error) {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			scheme, rest, _ := strings.Cut(part, " ")
			if !strings.EqualFold(scheme, Scheme) {
				continue
			}
			rest = strings.TrimSpace(rest)
			if rest == "" {
				return nil, true, nil
			}
			// Squid 5.7 sends its helper's continuation token as an
			// auth-param, "Negotiate token=<base64>" (RFC 7235 allows that
			// form; RFC 4559 has a bare token68). Read both.
			if len(rest) > 6 && strings.EqualFold(rest[:6], "token=") {
				rest = strings.Trim(rest[6:], `"`)
			}
			tok, err := decodeToken(rest)
			if err != nil {
				return nil, true, fmt.Errorf("httpauth: %s: %w (value %q)", name, err, clip(rest, 48))
			}
			return tok, true, nil
		}
	}
	return nil, false, nil
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// headerValue formats "Negotiate <base64>", or a bare "Negotiate". The
// text is encoded straight into its final buffer: Scheme + " " +
// EncodeToString made three copies of it (encode buffer, string, concat),
// 192 KB of garbage for a 48 000-byte large-PAC token instead of 64 KB.
func headerValue(tok []byte) string {
	if len(tok) == 0 {
		return Scheme
	}
	var b strings.Builder
	b.Grow(len(Scheme) + 1 + base64.StdEncoding.EncodedLen(len(tok)))
	b.WriteString(Scheme)
	b.WriteByte(' ')
	w := base64.NewEncoder(base64.StdEncoding, &b)
	_, _ = w.Write(tok) // a strings.Builder never fails
	_ = w.Close()
	return b.String()
}
