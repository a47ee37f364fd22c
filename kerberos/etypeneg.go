package kerberos

import (
	"errors"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/types"
)

// RFC 4537 enctype negotiation: the initiator lists the enctypes it
// supports in the authenticator (AD-IF-RELEVANT holding
// AD-ETYPE-NEGOTIATION), and the acceptor makes its subkey of the first it
// also supports. MIT does both, so a context between MIT and this package
// gets the same per-message enctype either way round (aes256-cts-hmac-sha1-96
// for any AES ticket with krb5.conf's default lists).

const (
	adIfRelevant      = 1
	adEtypeNegotation = 129
)

// supportedEtypes are the enctypes this package has profiles and key
// sizes for.
var supportedEtypes = []int32{18, 17, 20, 19, 23}

// permittedEtypes is krb5.conf's permitted_enctypes restricted to ours, in
// its order.
func permittedEtypes(c *config.Config) []int32 {
	if c == nil {
		return supportedEtypes
	}
	var out []int32
	for _, e := range c.LibDefaults.PermittedEnctypeIDs {
		if slices.Contains(supportedEtypes, e) && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// etypeNegotiationAD is the authenticator's authorization data listing
// etypes, or nil when the session key is already the first of them.
func etypeNegotiationAD(etypes []int32, sessionEtype int32) types.AuthorizationData {
	if len(etypes) == 0 || etypes[0] == sessionEtype {
		return nil
	}
	var list cryptobyte.Builder
	list.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range etypes {
			b.AddASN1Int64(int64(e))
		}
	})
	inner := marshalAD([]types.AuthorizationDataEntry{{ADType: adEtypeNegotation, ADData: list.BytesOrPanic()}})
	return types.AuthorizationData{{ADType: adIfRelevant, ADData: inner}}
}

func marshalAD(entries []types.AuthorizationDataEntry) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range entries {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(e.ADType)) })
				b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1OctetString(e.ADData) })
			})
		}
	})
	return b.BytesOrPanic()
}

var errAD = errors.New("malformed AuthorizationData")

// parseAD reads AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type [0]
// Int32, ad-data [1] OCTET STRING }.
func parseAD(b []byte) ([]types.AuthorizationDataEntry, error) {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return nil, errAD
	}
	var out []types.AuthorizationDataEntry
	for !seq.Empty() {
		var e, f cryptobyte.String
		var t int64
		var data []byte
		if !seq.ReadASN1(&e, asn1.SEQUENCE) ||
			!e.ReadASN1(&f, explicit(0)) || !f.ReadASN1Integer(&t) || !f.Empty() || t < -1<<31 || t >= 1<<31 ||
			!e.ReadASN1(&f, explicit(1)) || !f.ReadASN1Bytes(&data, asn1.OCTET_STRING) || !f.Empty() || !e.Empty() {
			return nil, errAD
		}
		out = append(out, types.AuthorizationDataEntry{ADType: int32(t), ADData: data})
	}
	return out, nil
}

// parseEtypeList reads SEQUENCE OF Int32.
func parseEtypeList(b []byte) ([]int32, error) {
	s := cryptobyte.String(b)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, asn1.SEQUENCE) || !s.Empty() {
		return nil, errAD
	}
	var out []int32
	for !seq.Empty() {
		var v int64
		if !seq.ReadASN1Integer(&v) || v < -1<<31 || v >= 1<<31 {
			return nil, errAD
		}
		out = append(out, int32(v))
	}
	return out, nil
}

// negotiatedEtype is the acceptor subkey's enctype: the first of the
// initiator's RFC 4537 list that the acceptor permits, else fallback.
func negotiatedEtype(ad types.AuthorizationData, permitted []int32, fallback int32) int32 {
	for _, e := range ad {
		if e.ADType != adIfRelevant {
			continue
		}
		inner, err := parseAD(e.ADData)
		if err != nil {
			continue
		}
		for _, ie := range inner {
			if ie.ADType != adEtypeNegotation {
				continue
			}
			list, err := parseEtypeList(ie.ADData)
			if err != nil {
				continue
			}
			for _, want := range list {
				if slices.Contains(permitted, want) {
					return want
				}
			}
		}
	}
	return fallback
}
