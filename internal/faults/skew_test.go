//go:build !windows && cgo && !heimdal

package faults_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

// Clock skew is made deterministic with libfaketime (Debian package
// faketime): one side runs in a child process of this test binary with
// LD_PRELOAD=libfaketime.so.1 and FAKETIME="+10m" or "+2m". The Go runtime
// reads the clock through the vDSO and is not affected; the Kerberos
// library's time(), gettimeofday() and clock_gettime() calls through libc
// are, so only the GSS side of the child sees the shifted clock.
const (
	skewRoleEnv  = "GSSNEGO_FAULTS_SKEW_ROLE"  // in the child: acceptor or initiator
	skewTokenEnv = "GSSNEGO_FAULTS_SKEW_TOKEN" // in the child: the acceptor's input token
	skewPrefix   = "SKEWRESULT "
)

var libfaketime = []string{
	"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
	"/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
	"/usr/lib/faketime/libfaketime.so.1",
}

func needFaketime(t *testing.T) string {
	t.Helper()
	for _, p := range libfaketime {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	lab.Unavailable(t, "libfaketime not found (Debian package faketime)")
	return ""
}

// skewChild runs one side in a child whose Kerberos clock is shifted by
// offset; it returns the child's token and error text ("" on success) and
// whether its error matched gss.ErrClockSkew.
func skewChild(t *testing.T, lib, offset, role string, in []byte) (out []byte, errText string, skew bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClockSkew$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), skewRoleEnv+"="+role, skewTokenEnv+"="+base64.StdEncoding.EncodeToString(in),
		"LD_PRELOAD="+lib, "FAKETIME="+offset, "FAKETIME_DONT_FAKE_MONOTONIC=1")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "child: %s", b)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, skewPrefix); ok {
			f := strings.SplitN(rest, " ", 3)
			require.Len(t, f, 3, line)
			out, err = base64.StdEncoding.DecodeString(f[0])
			require.NoError(t, err)
			return out, f[2], f[1] == "skew"
		}
	}
	t.Fatalf("child printed no result:\n%s", b)
	return nil, "", false
}

// skewSide is the child's body: one step as acceptor or initiator.
func skewSide(role, tokenB64 string) {
	in, _ := base64.StdEncoding.DecodeString(tokenB64)
	p, err := platform.Provider()
	var out []byte
	if err == nil {
		var ctx gss.SecContext
		if role == "acceptor" {
			ctx, err = negotiate.NewServer(negotiate.Config{Provider: p})
		} else {
			var n gss.Name
			if n, err = p.ImportName(testrealm.ServiceHTTP+"@"+testrealm.Name, gss.NameKerberosPrincipal); err == nil {
				ctx, err = negotiate.NewClient(n, negotiate.Config{Provider: p})
			}
		}
		if err == nil {
			out, err = ctx.Continue(in)
		}
	}
	kind, text := "ok", ""
	if err != nil {
		kind, text = "err", err.Error()
		if errors.Is(err, gss.ErrClockSkew) {
			kind = "skew"
		}
	}
	fmt.Printf("%s%s %s %s\n", skewPrefix, base64.StdEncoding.EncodeToString(out), kind, text)
}

// TestClockSkew: an acceptor whose clock is 10 minutes ahead (beyond the
// default 300 s window) refuses the AP-REQ with gss.ErrClockSkew, and the
// initiator learns it from the reject token; 2 minutes ahead is within the
// window and the handshake completes. An initiator 10 minutes ahead still
// gets its service ticket from the KDC, and the acceptor refuses its
// AP-REQ with gss.ErrClockSkew.
func TestClockSkew(t *testing.T) {
	if role := os.Getenv(skewRoleEnv); role != "" {
		skewSide(role, os.Getenv(skewTokenEnv))
		return
	}
	lib := needFaketime(t)
	r, p := labRealm(t)
	svc := testrealm.ServiceHTTP + "@" + r.Name
	for _, c := range []struct {
		offset string
		fails  bool
	}{{"+10m", true}, {"+2m", false}} {
		t.Run("Acceptor"+c.offset, func(t *testing.T) {
			x := newPair(t, p, svc)
			defer x.close()
			tok, err := x.cli.Continue(nil)
			require.NoError(t, err)
			reply, errText, skew := skewChild(t, lib, c.offset, "acceptor", tok)
			t.Logf("acceptor (clock %s): %q", c.offset, errText)
			if !c.fails {
				require.Empty(t, errText)
				_, err = x.cli.Continue(reply)
				require.NoError(t, err)
				assert.False(t, x.cli.ContinueNeeded())
				return
			}
			assert.True(t, skew, "acceptor error matches gss.ErrClockSkew: %s", errText)
			assert.True(t, strings.HasPrefix(errText, "negotiate: "+gss.ErrClockSkew.Text()), "the cause leads: %s", errText)
			require.NotEmpty(t, reply, "a reject token")
			_, err = x.cli.Continue(reply)
			t.Logf("initiator: %v", err)
			assert.ErrorIs(t, err, gss.ErrClockSkew)
			assert.ErrorIs(t, err, negotiate.ErrRejected)
		})
	}
	t.Run("Initiator+10m", func(t *testing.T) {
		tok, errText, _ := skewChild(t, lib, "+10m", "initiator", nil)
		t.Logf("initiator (clock +10m): %q", errText)
		require.Empty(t, errText)
		srv, err := negotiate.NewServer(negotiate.Config{Provider: p})
		require.NoError(t, err)
		defer srv.Close()
		_, err = gss.ContinueContext(context.Background(), srv, tok)
		t.Logf("acceptor (true clock): %v", err)
		// The skewed initiator still got its service ticket from the KDC;
		// its authenticator carries the shifted time, which the acceptor
		// refuses.
		assert.ErrorIs(t, err, gss.ErrClockSkew)
	})
}
