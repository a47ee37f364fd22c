//go:build !windows && cgo

package gssapi_unix

import "github.com/gssnego/gssnego/gss"

// ReplayCacheOff implements replay.NativeCacheDisabler: the credential
// options that turn the library's own acceptor replay cache off for one
// credential, when gssnego's replay cache (package replay) checks every
// AP-REQ instead.
//
// MIT: the cred store element "rcache" = "none:" (gss_acquire_cred_from,
// MIT 1.11+) makes the "none" replay-cache type the credential's own: it
// is set on that credential only and does not touch other credentials of
// the process, KRB5RCACHETYPE or krb5.conf. It also drops MIT's per-request
// replay-cache file work (open, lock, write under KRB5RCACHEDIR).
//
// Heimdal: its GSS acceptor keeps no replay cache at all (and refuses the
// rcache element), so there is nothing to turn off: ok is false, and
// gssnego's cache is the only one.
func (Provider) ReplayCacheOff() (opts []gss.CredOption, ok bool) {
	if implementation != "MIT" {
		return nil, false
	}
	return []gss.CredOption{gss.WithReplayCache("none:")}, true
}
