//go:build !windows

package testrealm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
)

// StartNamed is Start for a realm named name instead of Name: the second
// and third realms of a cross-realm test. It has the same user, services
// and keytab layout; its krb5.conf maps the lab host names to itself,
// which only its own tools read.
func StartNamed(tb testing.TB, name string) *Realm {
	tb.Helper()
	if _, err := tools(); err != nil {
		lab.Unavailable(tb, "%v (install it with ci/install-deps.sh)", err)
		return nil
	}
	r, err := launch(tb.TempDir(), name)
	if r != nil {
		tb.Cleanup(r.StopKDC)
	}
	if err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	return r
}

// Trust creates the cross-realm TGS principal krbtgt/TO@FROM in both
// realms' databases with the same password, hence the same keys (the salt
// is the principal's name, the same in both): FROM's KDC issues TGTs for
// TO that TO's KDC accepts. A trust both ways needs Trust(a, b) and
// Trust(b, a).
func Trust(tb testing.TB, from, to *Realm) {
	tb.Helper()
	princ := fmt.Sprintf("krbtgt/%s@%s", to.Name, from.Name)
	script := fmt.Sprintf("addprinc -pw cross-%s-%s -e aes256-cts-hmac-sha1-96:normal,aes128-cts-hmac-sha1-96:normal %s\n",
		strings.ToLower(from.Name), strings.ToLower(to.Name), princ)
	from.kadmin(tb, script)
	to.kadmin(tb, script)
}

// MapHosts adds domain_realm entries (host or .domain → realm) to r's
// krb5.conf and restarts its KDC, which reads them at start: an MIT KDC
// asked for a host-based service it does not have, with the canonicalize
// option, answers with a referral to the realm its domain_realm names.
func (r *Realm) MapHosts(tb testing.TB, hosts map[string]string) {
	tb.Helper()
	f, err := os.OpenFile(r.Krb5Conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	for _, h := range sortedKeys(hosts) {
		fmt.Fprintf(f, "\t%s = %s\n", h, hosts[h]) // [domain_realm] is the last section
	}
	if err := f.Close(); err != nil {
		tb.Fatalf("testrealm: %v", err)
	}
	r.StopKDC()
	if err := r.startKDC(); err != nil {
		tb.Fatalf("testrealm: restart KDC: %v", err)
	}
}

// ClientConf writes a krb5.conf for a client of realms[0] that knows the
// KDCs of all the realms, with the given domain_realm entries, and returns
// its path.
func ClientConf(tb testing.TB, hosts map[string]string, realms ...*Realm) string {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `[libdefaults]
	default_realm = %s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	qualify_shortname = ""
	udp_preference_limit = 1
	forwardable = true
[realms]
`, realms[0].Name)
	for _, r := range realms {
		fmt.Fprintf(&b, "\t%s = {\n\t\tkdc = %s\n\t}\n", r.Name, r.KDCAddr)
	}
	b.WriteString("[domain_realm]\n")
	for _, h := range sortedKeys(hosts) {
		fmt.Fprintf(&b, "\t%s = %s\n", h, hosts[h])
	}
	path := filepath.Join(tb.TempDir(), "krb5-client.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
