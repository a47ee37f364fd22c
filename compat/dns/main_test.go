//go:build linux

package dnsgss_test

import (
	"os"
	"testing"

	"github.com/gssnego/gssnego/internal/testrealm"
)

func TestMain(m *testing.M) {
	os.Exit(testrealm.Main(m))
}
