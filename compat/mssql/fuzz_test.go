//go:build !windows

package mssqlgss_test

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microsoft/go-mssqldb/integratedauth"
	"github.com/microsoft/go-mssqldb/msdsn"

	mssqlgss "github.com/gssnego/gssnego/compat/mssql"
)

// vectorDir holds real acceptor tokens (MIT, Samba, Windows captures).
const vectorDir = "../../negotiate/testdata/vectors"

// FuzzNextBytes feeds arbitrary server SSPI messages to a started
// authenticator: never a panic, always an *mssqlgss.Error naming NextBytes
// (or an answer, for the rare valid token).
func FuzzNextBytes(f *testing.F) {
	for _, dir := range []string{"mit", "samba", "windows"} {
		names, _ := filepath.Glob(filepath.Join(vectorDir, dir, "*a2i.hex"))
		for _, n := range names {
			if b, err := os.ReadFile(n); err == nil {
				if tok, err := hex.DecodeString(strings.TrimSpace(string(b))); err == nil {
					f.Add(tok)
				}
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0xa1, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		realm(t)
		cfg, err := msdsn.Parse("server=" + sqlHost + ";authenticator=gssnego;gssnego-mechs=ms-krb5,krb5")
		if err != nil {
			t.Fatal(err)
		}
		ia, err := integratedauth.GetIntegratedAuthenticator(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer ia.Free()
		if _, err := ia.InitialBytes(); err != nil {
			t.Fatal(err)
		}
		if _, err := ia.NextBytes(in); err != nil {
			var e *mssqlgss.Error
			if !errors.As(err, &e) || e.Step != mssqlgss.StepContinue || e.Token != 1 {
				t.Fatalf("untyped or misattributed error: %T %v", err, err)
			}
		}
	})
}
