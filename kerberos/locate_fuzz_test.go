package kerberos

import (
	"testing"

	"github.com/jcmturner/gokrb5/v8/config"
)

// FuzzKrb5ConfDNS: the [libdefaults] scan that gives dns_lookup_kdc MIT's
// default, on krb5.conf text as the lab realm writes it.
func FuzzKrb5ConfDNS(f *testing.F) {
	f.Add([]byte("[libdefaults]\n\tdefault_realm = GSSNEGO.TEST\n\tdns_lookup_kdc = false\n[realms]\n\tGSSNEGO.TEST = {\n\t\tkdc = 127.0.0.1:88\n\t}\n"))
	f.Add([]byte("[libdefaults]\n dns_fallback = no\n"))
	f.Add([]byte("[realms]\ndns_lookup_kdc = true\n[libdefaults]\ndns_lookup_kdc=on"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := config.New()
		applyDNSDefaults(c, b)
		if v, ok := libdefaultsBool(b, "dns_lookup_kdc"); ok && v != c.LibDefaults.DNSLookupKDC {
			t.Fatalf("dns_lookup_kdc = %v set, got %v", v, c.LibDefaults.DNSLookupKDC)
		}
	})
}
