//go:build !windows && cgo

package gssapi_unix

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

// TestErrContextExpired establishes a context on a 4-second ticket (child
// process: its own ccache, and clockskew = 1 because MIT's acceptor adds
// the skew allowance to its lifetime) and checks that every per-message
// call after the end time fails with gss.ErrContextExpired on both sides —
// which MIT 1.20 alone does not do — while Close still works.
func TestErrContextExpired(t *testing.T) {
	if childCase() == "expired" {
		p := New()
		ini, acc := pair(t, p, realm.Principal(targetHTTP))
		msg := []byte("m")
		mic, err := ini.GetMIC(msg)
		require.NoError(t, err)
		end := ini.expires
		if acc.expires.After(end) {
			end = acc.expires
		}
		require.False(t, end.IsZero())
		time.Sleep(time.Until(end) + 1100*time.Millisecond)
		_, err = ini.GetMIC(msg)
		logErr(t, "GetMIC after expiry", err)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		_, _, err = ini.Wrap(msg, true)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		assert.ErrorIs(t, acc.VerifyMIC(msg, mic), gss.ErrContextExpired)
		_, _, err = acc.Unwrap(mic)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		_, err = acc.WrapSizeLimit(true, 1000)
		assert.ErrorIs(t, err, gss.ErrContextExpired)
		require.NoError(t, ini.Close())
		require.NoError(t, acc.Close())
		return
	}
	r := needRealm(t)
	cc := "FILE:" + filepath.Join(t.TempDir(), "ccache")
	r.KinitArgs(t, r.Principal(r.User), r.Password, cc, "-l", "4s")
	runChild(t, "expired", "KRB5CCNAME="+cc, "KRB5_CONFIG="+r.WriteConf(t, "clockskew1", "", "clockskew = 1"))
}
