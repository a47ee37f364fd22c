package kerberos

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/config"
)

// loadConfig reads krb5.conf as MIT does: KRB5_CONFIG is a colon-separated
// list of files (the first that exists wins here; MIT merges them), else
// /etc/krb5.conf; without any, the defaults (a realm then has to come from
// a principal name).
func loadConfig() (*config.Config, error) {
	for _, p := range configPaths() {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		c, err := config.Load(p)
		if err != nil {
			return nil, err
		}
		applyDNSDefaults(c, readConfigFile(p))
		return c, nil
	}
	c := config.New()
	applyDNSDefaults(c, nil)
	return c, nil
}

// configPaths are the krb5.conf files KRB5_CONFIG names, else /etc/krb5.conf.
func configPaths() []string {
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		return strings.Split(v, ":")
	}
	return []string{"/etc/krb5.conf"}
}

// configKey identifies the krb5.conf a call would read now: the files and
// their modification times and sizes. MIT reads krb5.conf for every call
// (each makes a krb5 context), so a process that points KRB5_CONFIG at
// another realm's file, or edits the file, is heard; the provider keeps
// the parsed file while this key stays the same.
func configKey() string {
	var b strings.Builder
	for _, p := range configPaths() {
		b.WriteString(p)
		if st, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "|%d|%d", st.ModTime().UnixNano(), st.Size())
		}
		b.WriteByte(0)
	}
	return b.String()
}

// realmOfHost maps a host to its realm: domain_realm, else the client's
// realm, else default_realm. Without a mapping MIT asks the client's own
// KDC first (the referral realm), so a user of another realm than
// default_realm (kinit bob@SAMDOM.TEST) reaches that realm's services by
// host name as with MIT, and a KDC that knows the host is elsewhere
// answers with a referral the client follows (crossRealmTicket). mapped
// is false when no domain_realm entry named the realm: the caller may then
// fall back to fallbackRealm, as MIT does when the referral realm's KDC
// does not know the service.
func realmOfHost(c *config.Config, host, clientRealm string) (realm string, mapped bool) {
	if r := c.ResolveRealm(strings.ToLower(host)); r != "" {
		return r, true
	}
	if clientRealm != "" {
		return clientRealm, false
	}
	return c.LibDefaults.DefaultRealm, false
}

// fallbackRealm is MIT's fallback realm of a host (its "domain" hostrealm
// module with realm_try_domains unset): the host's parent domain in upper
// case, whether or not such a realm exists; none for a name without a dot
// or an address literal.
func fallbackRealm(host string) string {
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	_, domain, ok := strings.Cut(strings.TrimSuffix(host, "."), ".")
	if !ok || domain == "" {
		return ""
	}
	return strings.ToUpper(domain)
}
