// Package wine is the contract between the Linux side of a Wine test run
// and the Windows test binaries it runs: the environment variables that tell
// a Windows test which realm, user and service names to use. The Linux
// runner (cmd/wine-exec) starts a throwaway MIT realm and sets them; on a
// real Windows host joined to a domain a script sets them by hand
// (sspi_windows/testdata/run-on-windows.ps1). A test that finds them absent
// calls lab.Unavailable.
//
// The package builds on every GOOS; only its runner is Linux-only.
package wine

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Environment variables the Windows tests read.
const (
	EnvRealm    = "GSSNEGO_SSPI_REALM"    // Kerberos realm / AD domain, upper case
	EnvUser     = "GSSNEGO_SSPI_USER"     // the logged-on (ccache) user, without realm
	EnvPassword = "GSSNEGO_SSPI_PASSWORD" // that user's password, for explicit-credential tests (optional)
	EnvSPN      = "GSSNEGO_SSPI_SPN"      // an SPN the default acceptor credentials accept
	EnvSPN2     = "GSSNEGO_SSPI_SPN2"     // a second such SPN (optional)
	// EnvEtypeSPNs lists SPNs whose tickets and session keys are of one
	// etype: "17=HTTP/aes128.x,18=HTTP/aes256.x" (Wine lab only).
	EnvEtypeSPNs = "GSSNEGO_SSPI_ETYPE_SPNS"
	// EnvStaleSPN is an SPN the KDC knows but whose key in the acceptor's
	// keytab is outdated, for "wrong keytab" tests (Wine lab only).
	EnvStaleSPN = "GSSNEGO_SSPI_STALE_SPN"
	// EnvOnlyEtype is set by the Wine runner's single-etype passes: every
	// key, the TGT's included, is of this etype number.
	EnvOnlyEtype = "GSSNEGO_SSPI_ONLY_ETYPE"
	// EnvWine is set to "1" by the Wine runner.
	EnvWine = "GSSNEGO_SSPI_WINE"
)

// Lab is what a Windows test knows about the Kerberos environment.
type Lab struct {
	Realm     string
	User      string
	Password  string
	SPN       string
	SPN2      string
	EtypeSPNs map[int32]string // etype number → SPN
	StaleSPN  string
	ViaRunner bool  // set by the Wine runner
	OnlyEtype int32 // set in the runner's single-etype passes
}

// FromEnv reads the lab from the environment; ok is false when the realm,
// user or SPN is missing.
func FromEnv() (l *Lab, ok bool) {
	l = &Lab{
		Realm: os.Getenv(EnvRealm), User: os.Getenv(EnvUser), Password: os.Getenv(EnvPassword),
		SPN: os.Getenv(EnvSPN), SPN2: os.Getenv(EnvSPN2), StaleSPN: os.Getenv(EnvStaleSPN),
		ViaRunner: os.Getenv(EnvWine) == "1", EtypeSPNs: map[int32]string{},
	}
	if n, err := strconv.ParseInt(os.Getenv(EnvOnlyEtype), 10, 32); err == nil {
		l.OnlyEtype = int32(n)
	}
	for _, kv := range strings.Split(os.Getenv(EnvEtypeSPNs), ",") {
		k, v, found := strings.Cut(kv, "=")
		if n, err := strconv.ParseInt(k, 10, 32); found && err == nil && v != "" {
			l.EtypeSPNs[int32(n)] = v
		}
	}
	return l, l.Realm != "" && l.User != "" && l.SPN != ""
}

// Environ returns the lab as "KEY=value" strings for a child's environment.
func (l *Lab) Environ() []string {
	env := []string{
		EnvRealm + "=" + l.Realm, EnvUser + "=" + l.User, EnvPassword + "=" + l.Password,
		EnvSPN + "=" + l.SPN, EnvSPN2 + "=" + l.SPN2, EnvStaleSPN + "=" + l.StaleSPN,
	}
	if l.ViaRunner {
		env = append(env, EnvWine+"=1")
	}
	if l.OnlyEtype != 0 {
		env = append(env, fmt.Sprintf("%s=%d", EnvOnlyEtype, l.OnlyEtype))
	}
	keys := make([]int, 0, len(l.EtypeSPNs))
	for k := range l.EtypeSPNs {
		keys = append(keys, int(k))
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d=%s", k, l.EtypeSPNs[int32(k)]))
	}
	return append(env, EnvEtypeSPNs+"="+strings.Join(parts, ","))
}

// Principal qualifies name with the realm.
func (l *Lab) Principal(name string) string { return name + "@" + l.Realm }
