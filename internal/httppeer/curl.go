// Package httppeer runs the HTTP Negotiate clients nobody here wrote (curl
// with MIT GSSAPI) for tests, with the throwaway realm's environment.
package httppeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
)

// CurlResult is what one curl run returned.
type CurlResult struct {
	Code    string // HTTP status code of the last response, "000" when none
	Headers string // every response's headers, as curl -D writes them
	Body    string // the last response's body
}

// Curl runs curl with env added to the process environment (the realm's
// Env(), an empty KRB5CCNAME, …) and returns the last response. The run must
// succeed as a process; the status is for the test to judge.
func Curl(tb testing.TB, env []string, args ...string) CurlResult {
	tb.Helper()
	bin := lab.NeedCommand(tb, "curl")[0]
	hdr := filepath.Join(tb.TempDir(), "headers")
	args = append([]string{"-sS", "-D", hdr, "-o", "-", "-w", "\n%{http_code}"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("curl %v: %v\n%s", args, err, out)
	}
	s := strings.TrimRight(string(out), "\n")
	i := strings.LastIndexByte(s, '\n')
	h, _ := os.ReadFile(hdr)
	return CurlResult{Code: s[i+1:], Headers: string(h), Body: s[:max(i, 0)]}
}
