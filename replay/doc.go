// Package replay is gssnego's own replay cache for Kerberos acceptors: one
// check per accepted AP-REQ against a Store that several server instances
// can share, so that an AP-REQ captured on the wire and sent to another
// instance of the same service (same keytab) within the clock skew is
// refused there too. A per-process cache (MIT's file cache under
// KRB5RCACHEDIR, the pure-Go provider's map) cannot see what another
// instance accepted, and Heimdal's acceptor keeps no cache at all.
//
// # Where the check runs
//
// Wrap returns a gss.Provider whose acceptor contexts check every AP-REQ
// they were given, after the wrapped mechanism accepted it: a token the
// mechanism refuses (garbage, a wrong key, a stale authenticator) never
// reaches the Store, so an attacker without a valid ticket cannot fill it
// or poison it with keys of tokens a real client will send later. The
// wrapper sits at the provider because every server path starts its
// acceptor contexts there: the negotiate engine (each mechanism context),
// negotiate.NewNativeServer (the library's own SPNEGO: the AP-REQ is read
// out of the NegTokenInit or NegTokenResp), httpauth and authproxy through
// negotiate.Config.Provider, and raw krb5 users such as compat/ssh's
// server. A replay is a *gss.Error matching gss.ErrDuplicateToken (and
// ErrReplay); the context is closed and never established.
//
// # Key and lifetime
//
// The key is SHA-256 of the AP-REQ authenticator's cipher text, read without
// keys by negotiate/mechtoken (the same key MIT's file2 cache has used since
// release 1.18). Every AP-REQ carries a fresh authenticator, so two
// different requests never share a key. An entry is kept for TTL(skew):
// twice the clock skew plus a margin. The acceptor takes an authenticator
// whose time is within skew of its clock; without the key we do not know
// that time, only that it was at least now-skew when first seen, so a
// replay can be accepted until first-seen + 2·skew. The margin (one
// minute) covers clock differences between the instances of a fleet.
//
// # Stores
//
// Memory (NewMemory) is the default: bounded, expiring, sharded, no
// allocation per check. It protects one process only. replay/redisstore (its
// own module, so a user of this package never downloads a Redis client)
// shares the cache through Redis or Valkey with one SET NX PX round trip.
// A Store that cannot answer returns an *UnavailableError naming itself;
// the acceptor then fails closed with that error (httpauth answers 503).
//
// # The native library's cache
//
// When the wrapped provider can turn its own cache off for one credential
// (NativeCacheDisabler: MIT through gss_acquire_cred_from with the cred
// store element "rcache" = "none:"), the Kerberos acceptor credentials
// acquired through the wrapper have it off: a context given no credential
// gets, for a Kerberos token, the default Kerberos acceptor credential
// acquired once that way. The wrapper is then the only cache, and the
// per-request replay-cache file work is gone. It concerns those
// credentials only; other acceptor credentials of the process keep MIT's
// default cache. A credential for every mechanism keeps it too, because
// the cred store reaches gss-ntlmssp, which cannot accept with such a
// credential (and crashes given "rcache"); NTLM tokens, and the provider's
// own SPNEGO, therefore run with the default credential. The pure-Go
// provider (package kerberos) implements NativeCacheDisabler the same way:
// under Wrap its own in-memory cache is off for the Kerberos credential. Heimdal keeps no acceptor cache, so ours is the only one.
// SSPI's Kerberos package keeps its own replay detection inside LSA, per
// machine, which cannot be turned off from an application: ours runs in
// addition and adds the fleet-wide view.
package replay
