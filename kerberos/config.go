package kerberos

import (
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/config"
)

// loadConfig reads krb5.conf as MIT does: KRB5_CONFIG is a colon-separated
// list of files (the first that exists wins here; MIT merges them), else
// /etc/krb5.conf; without any, the defaults (a realm then has to come from
// a principal name).
func loadConfig() (*config.Config, error) {
	paths := []string{"/etc/krb5.conf"}
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		paths = strings.Split(v, ":")
	}
	for _, p := range paths {
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
		return c, nil
	}
	return config.New(), nil
}

// realmOfHost maps a host to its realm: domain_realm, else the client's
// realm, else default_realm. Without a mapping MIT asks the client's own
// KDC first (the referral realm), so a user of another realm than
// default_realm (kinit bob@SAMDOM.TEST) reaches that realm's services by
// host name as with MIT; referrals to a third realm are not followed.
func realmOfHost(c *config.Config, host, clientRealm string) string {
	if r := c.ResolveRealm(strings.ToLower(host)); r != "" {
		return r
	}
	if clientRealm != "" {
		return clientRealm
	}
	return c.LibDefaults.DefaultRealm
}
