//go:build !windows

package negotiate_test

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/compat/sspi/negotiate"
	"github.com/gssnego/gssnego/internal/testrealm"
)

// vectorDir holds real SPNEGO tokens (MIT, Samba, Windows captures).
const vectorDir = "../../../negotiate/testdata/vectors"

func addVectors(f *testing.F, suffix string) {
	for _, dir := range []string{"mit", "samba", "windows"} {
		names, _ := filepath.Glob(filepath.Join(vectorDir, dir, "*"+suffix+".hex"))
		for _, n := range names {
			if b, err := os.ReadFile(n); err == nil {
				if tok, err := hex.DecodeString(strings.TrimSpace(string(b))); err == nil {
					f.Add(tok)
				}
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x60, 0x00})
}

// checkTyped fails unless err is nil or an *sspi.Error naming op.
func checkTyped(t *testing.T, err error, op string) {
	if err == nil {
		return
	}
	var e *sspi.Error
	if !errors.As(err, &e) || e.Op != op || e.Status == sspi.SEC_E_OK {
		t.Fatalf("untyped or misattributed error: %T %v", err, err)
	}
}

// FuzzNewServerContext: arbitrary first tokens from a client.
func FuzzNewServerContext(f *testing.F) {
	addVectors(f, "i2a")
	f.Fuzz(func(t *testing.T, in []byte) {
		testrealm.Shared(t)
		cred := sspi.NewCredentials(nil, nil, time.Time{})
		s, _, _, err := negotiate.NewServerContext(cred, in)
		checkTyped(t, err, "negotiate.NewServerContext")
		s.Release()
	})
}

// FuzzClientUpdate: arbitrary server replies to a real first token.
func FuzzClientUpdate(f *testing.F) {
	addVectors(f, "a2i")
	f.Fuzz(func(t *testing.T, in []byte) {
		testrealm.Shared(t)
		cred := sspi.NewCredentials(nil, nil, time.Time{})
		c, _, err := negotiate.NewClientContext(cred, spn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		_, _, err = c.Update(in)
		checkTyped(t, err, "negotiate.ClientContext.Update")
	})
}
