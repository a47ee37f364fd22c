package lab

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPeerEnv(t *testing.T) {
	env := PeerEnv([]string{"PATH=/bin", "LANG=tr_TR.UTF-8", "LC_ALL=tr_TR.UTF-8", "LC_CTYPE=tr_TR.UTF-8",
		"LANGUAGE=tr", "KRB5_CONFIG=/x/krb5.conf", "LCX=kept"})
	assert.Equal(t, []string{"PATH=/bin", "KRB5_CONFIG=/x/krb5.conf", "LCX=kept", "LC_ALL=C.UTF-8"}, env)
}

// TestWorldTempDir: under a private (0700) TMPDIR the directory goes to
// /tmp, under a searchable one it stays there; either way a dropped-
// privilege worker can reach it.
func TestWorldTempDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	private := t.TempDir()
	require.NoError(t, os.Chmod(private, 0o700))
	t.Setenv("TMPDIR", private)
	dir, err := WorldTempDir("lab-test-")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	assert.Equal(t, "/tmp", filepath.Dir(dir), "a 0700 TMPDIR is not used")
	assert.True(t, searchableByOthers(dir))

	open := filepath.Join(private, "open")
	require.NoError(t, os.Mkdir(open, 0o755))
	require.NoError(t, os.Chmod(private, 0o755))
	if !searchableByOthers(open) {
		t.Skipf("an ancestor of %s is private; cannot test the TMPDIR case", open)
	}
	t.Setenv("TMPDIR", open)
	dir2, err := WorldTempDir("lab-test-")
	require.NoError(t, err)
	defer os.RemoveAll(dir2)
	assert.True(t, strings.HasPrefix(dir2, open+string(filepath.Separator)), dir2)
	st, err := os.Stat(dir2)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), st.Mode().Perm())
}
