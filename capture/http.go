package capture

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// httpCarrier reads HTTP/1.x messages and lifts Negotiate tokens from
// Authorization, WWW-Authenticate, Proxy-Authorization and
// Proxy-Authenticate headers (RFC 4559).
type httpCarrier struct {
	side [2]httpSide
}

type httpSide struct {
	state     int // 0 start line, 1 headers, 2 body by length, 3 chunk size, 4 until close, 5 resync, 6 chunk data
	remain    int
	chunked   bool
	length    int
	hasLength bool
	noBody    bool
}

const maxHTTPLine = 64 << 10

var httpMethods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "PROPFIND ", "TRACE ", "RPC_IN_DATA ", "RPC_OUT_DATA "}

func looksHTTP(b []byte) bool {
	if bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return true
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, []byte(m)) {
			return true
		}
	}
	return false
}

func (c *httpCarrier) name() string { return "http" }
func (c *httpCarrier) wrapped() int { return 0 }

func (c *httpCarrier) resync(fromClient bool) { c.side[sideIdx(fromClient)].state = 5 }

func sideIdx(fromClient bool) int {
	if fromClient {
		return 0
	}
	return 1
}

func (c *httpCarrier) parse(fromClient bool, buf []byte) (int, []carried, error) {
	s := &c.side[sideIdx(fromClient)]
	var toks []carried
	used := 0
	for {
		rest := buf[used:]
		switch s.state {
		case 2: // body with Content-Length
			n := min(s.remain, len(rest))
			used += n
			s.remain -= n
			if s.remain == 0 {
				s.state = 0
				continue
			}
			return used, toks, nil
		case 4:
			return len(buf), toks, nil
		case 6: // chunk data and its CRLF
			n := min(s.remain, len(rest))
			used += n
			s.remain -= n
			if s.remain == 0 {
				s.state, s.remain = 3, -1
				continue
			}
			return used, toks, nil
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			if len(rest) > maxHTTPLine {
				s.state = 5
				return len(buf), toks, fmt.Errorf("http: line longer than %d bytes; skipped", maxHTTPLine)
			}
			return used, toks, nil
		}
		line := strings.TrimRight(string(rest[:i]), "\r")
		used += i + 1
		switch s.state {
		case 5: // after a gap: wait for a start line
			if looksHTTP([]byte(line)) {
				s.state = 0
				used -= i + 1
			}
		case 0:
			if line == "" {
				continue
			}
			*s = httpSide{state: 1}
			if strings.HasPrefix(line, "HTTP/1.") {
				if f := strings.Fields(line); len(f) >= 2 {
					code, _ := strconv.Atoi(f[1])
					s.noBody = code/100 == 1 || code == 204 || code == 304
				}
			} else {
				s.noBody = true // a request without Content-Length has no body
			}
		case 1:
			if line == "" {
				s.endHeaders(fromClient)
				continue
			}
			name, val, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			val = strings.TrimSpace(val)
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "content-length":
				if n, err := strconv.Atoi(val); err == nil && n >= 0 {
					s.length, s.hasLength = n, true
				}
			case "transfer-encoding":
				s.chunked = strings.Contains(strings.ToLower(val), "chunked")
			case "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate":
				t, err := negotiateToken(val)
				if err != nil {
					return used, toks, fmt.Errorf("http: %s header: %w", name, err)
				}
				if t != nil {
					toks = append(toks, carried{tok: t, fromClient: fromClient})
				}
			}
		case 3:
			if err := s.chunk(line); err != nil {
				return used, toks, err
			}
		}
	}
}

// endHeaders decides how the body is framed.
func (s *httpSide) endHeaders(fromClient bool) {
	switch {
	case s.chunked:
		s.state, s.remain = 3, -1
	case s.length > 0:
		s.state, s.remain = 2, s.length
	case s.noBody || s.hasLength:
		s.state = 0
	default:
		s.state = 4 // response delimited by connection close
	}
}

// chunk reads a chunk-size line; the data that follows is consumed as
// bytes (state 6).
func (s *httpSide) chunk(line string) error {
	sz, _, _ := strings.Cut(line, ";")
	n, err := strconv.ParseInt(strings.TrimSpace(sz), 16, 32)
	if err != nil || n < 0 {
		s.state = 5
		return fmt.Errorf("http: chunk size %q invalid; resynchronising", sz)
	}
	if n == 0 {
		s.state = 0 // trailers end at the empty line, which state 0 skips
		return nil
	}
	s.state, s.remain = 6, int(n)+2
	return nil
}

// negotiateToken returns the token of a "Negotiate <base64>" credential,
// nil for any other scheme or a bare challenge.
func negotiateToken(val string) ([]byte, error) {
	scheme, rest, _ := strings.Cut(val, " ")
	if !strings.EqualFold(scheme, "Negotiate") {
		return nil, nil
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return nil, nil
	}
	if i := strings.IndexAny(rest, " ,"); i >= 0 {
		rest = rest[:i]
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("Negotiate token is not base64: %w", err)
	}
	return b, nil
}
