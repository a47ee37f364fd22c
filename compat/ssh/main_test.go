//go:build linux

package sshgss_test

import (
	"os"
	"testing"

	"github.com/gssnego/gssnego/internal/testrealm"
)

// One realm serves the whole binary; the environment (KRB5_CONFIG,
// KRB5CCNAME with alice's TGT, KRB5_KTNAME with host/localhost) points at
// it before the first GSS call.
func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }
