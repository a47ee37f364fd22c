package ldapgss

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Layer is an RFC 4752 SASL security layer, as the bit the protocol uses.
type Layer byte

// Security layers. The zero Layer means "choose" (see WithSecurityLayer).
const (
	LayerNone            Layer = 1 // authentication only
	LayerIntegrity       Layer = 2 // every buffer signed (LDAP signing)
	LayerConfidentiality Layer = 4 // every buffer sealed (LDAP sealing)
)

const knownLayers = LayerNone | LayerIntegrity | LayerConfidentiality

// String names the layers in a bit mask.
func (l Layer) String() string {
	if l == 0 {
		return "auto"
	}
	var parts []string
	for _, n := range []struct {
		l    Layer
		name string
	}{{LayerNone, "none"}, {LayerIntegrity, "integrity"}, {LayerConfidentiality, "confidentiality"}} {
		if l&n.l != 0 {
			parts = append(parts, n.name)
		}
	}
	if rest := l &^ knownLayers; rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%02x", byte(rest)))
	}
	return strings.Join(parts, "|")
}

// maxBufLimit is the largest size three octets can carry.
const maxBufLimit = 1<<24 - 1

// layerOffer is the server's unwrapped security-layer token: the layers it
// supports and the largest wrapped buffer it accepts.
type layerOffer struct {
	layers Layer
	maxBuf uint32
}

// parseLayerOffer reads the 4-octet cleartext the server wraps after the
// context is established (RFC 4752 §3.1): anything but 4 octets fails the
// negotiation, as the RFC says. Unknown bits are ignored; none known is an
// error, as is a server that offers protection with a zero buffer size.
func parseLayerOffer(b []byte) (layerOffer, error) {
	if len(b) != 4 {
		return layerOffer{}, &FormatError{Where: "security-layer offer", Offset: int64(min(len(b), 4)),
			Reason: fmt.Sprintf("%d octets, RFC 4752 requires exactly 4", len(b))}
	}
	o := layerOffer{layers: Layer(b[0]) & knownLayers, maxBuf: uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])}
	if o.layers == 0 {
		return o, &FormatError{Where: "security-layer offer", Offset: 0,
			Reason: fmt.Sprintf("bit mask 0x%02x offers no known layer", b[0])}
	}
	if o.layers&^LayerNone != 0 && o.maxBuf == 0 {
		return o, &FormatError{Where: "security-layer offer", Offset: 1,
			Reason: fmt.Sprintf("offers %v with a maximum buffer of 0", o.layers)}
	}
	return o, nil
}

// marshalLayerChoice builds the client's cleartext answer: the chosen layer,
// the largest wrapped buffer we accept (0 without a layer, RFC 4752 §3.1)
// and the UTF-8 authorization identity.
func marshalLayerChoice(l Layer, maxBuf uint32, authzid string) []byte {
	if l == LayerNone {
		maxBuf = 0
	}
	b := make([]byte, 4, 4+len(authzid))
	binary.BigEndian.PutUint32(b, maxBuf)
	b[0] = byte(l)
	return append(b, authzid...)
}

// chooseLayer picks the layer to answer offer with. want is the caller's
// requirement (0: choose); canProtect says a Conn can carry a layer; overTLS
// says the connection is TLS already.
func chooseLayer(offer, want Layer, canProtect, overTLS bool) (Layer, error) {
	if want != 0 {
		if offer&want == 0 {
			return 0, fmt.Errorf("%w: the server offers %v, WithSecurityLayer asks for %v", ErrNoCommonLayer, offer, want)
		}
		if want != LayerNone && !canProtect {
			return 0, fmt.Errorf("%w: %v needs the connection wrapped: give ldap.NewConn a *ldapgss.Conn and pass WithConn", ErrNoCommonLayer, want)
		}
		return want, nil
	}
	order := []Layer{LayerConfidentiality, LayerIntegrity, LayerNone}
	if overTLS {
		// TLS protects the session already; AD and Samba refuse a SASL
		// layer inside TLS.
		order = []Layer{LayerNone, LayerIntegrity, LayerConfidentiality}
	}
	for _, l := range order {
		if offer&l != 0 && (l == LayerNone || canProtect) {
			return l, nil
		}
	}
	return 0, fmt.Errorf("%w: the server offers only %v (it requires LDAP signing or sealing): give ldap.NewConn a *ldapgss.Conn and pass WithConn", ErrNoCommonLayer, offer)
}
