//go:build !windows && !cgo

package platform

import (
	"sync"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/kerberos"
)

// Without cgo there is no MIT or Heimdal library to call: the pure-Go
// Kerberos provider is the build's backend. One instance serves the
// process, so its keytab, tickets and replay cache are shared.
var pureGo = sync.OnceValue(kerberos.NewProvider)

func init() {
	gss.RegisterProvider(kerberos.ProviderName, func() (gss.Provider, error) { return pureGo(), nil })
}
