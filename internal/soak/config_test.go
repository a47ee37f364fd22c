//go:build linux

package soak

import (
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/negotiate"
)

func gssConfig(p gss.Provider) negotiate.Config {
	return negotiate.Config{Provider: p, Mechs: []gss.OID{gss.MechKRB5}}
}
