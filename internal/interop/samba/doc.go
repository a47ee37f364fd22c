// Package samba holds the interop tests of the Go SPNEGO engine against a
// real Samba AD DC (internal/sambadc): tickets from its KDC (AES, with a
// PAC), our initiator against Samba's gensec SPNEGO acceptor, and Samba's
// initiator against our acceptor, including the downgrade case in which
// Samba requires the initiator's mechListMIC.
//
// The tests live in their own package because the process environment must
// point at the DC's krb5.conf before the first GSS call (Heimdal reads it
// once per thread), while negotiate's own tests point it at an MIT realm.
package samba
