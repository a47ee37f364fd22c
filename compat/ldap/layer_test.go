package ldapgss

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseLayerOffer(t *testing.T) {
	for _, tc := range []struct {
		in      []byte
		layers  Layer
		maxBuf  uint32
		errAt   int64
		wantErr bool
	}{
		{in: []byte{0x07, 0x00, 0x10, 0x00}, layers: 7, maxBuf: 4096},
		{in: []byte{0x01, 0x00, 0x00, 0x00}, layers: LayerNone},
		{in: []byte{0xff, 0xff, 0xff, 0xff}, layers: 7, maxBuf: 1<<24 - 1}, // unknown bits ignored
		{in: []byte{0x06, 0x00, 0x00, 0x00}, wantErr: true, errAt: 1},      // protection with no buffer
		{in: []byte{0xf8, 0x00, 0x10, 0x00}, wantErr: true, errAt: 0},      // no known layer
		{in: []byte{0x07, 0x00, 0x10}, wantErr: true, errAt: 3},
		{in: []byte{0x07, 0x00, 0x10, 0x00, 0x00}, wantErr: true, errAt: 4},
		{in: nil, wantErr: true, errAt: 0},
	} {
		o, err := parseLayerOffer(tc.in)
		if tc.wantErr {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Offset != tc.errAt || !errors.Is(err, ErrMalformed) {
				t.Errorf("%x: error %v, want a FormatError at %d", tc.in, err, tc.errAt)
			}
			continue
		}
		if err != nil || o.layers != tc.layers || o.maxBuf != tc.maxBuf {
			t.Errorf("%x: %+v, %v; want %v %d", tc.in, o, err, tc.layers, tc.maxBuf)
		}
	}
}

func TestMarshalLayerChoice(t *testing.T) {
	if got := marshalLayerChoice(LayerConfidentiality, 0x123456, "u:bob"); !bytes.Equal(got, []byte("\x04\x12\x34\x56u:bob")) {
		t.Errorf("conf: %x", got)
	}
	if got := marshalLayerChoice(LayerNone, 0x123456, ""); !bytes.Equal(got, []byte{1, 0, 0, 0}) {
		t.Errorf("none must announce buffer 0: %x", got)
	}
}

func TestChooseLayer(t *testing.T) {
	const all = LayerNone | LayerIntegrity | LayerConfidentiality
	for _, tc := range []struct {
		offer, want     Layer
		canProtect, tls bool
		got             Layer
		fail            bool
	}{
		{offer: all, canProtect: true, got: LayerConfidentiality},
		{offer: all, got: LayerNone},
		{offer: all, canProtect: true, tls: true, got: LayerNone},
		{offer: LayerNone | LayerIntegrity, canProtect: true, got: LayerIntegrity},
		{offer: LayerIntegrity | LayerConfidentiality, fail: true},
		{offer: LayerIntegrity | LayerConfidentiality, canProtect: true, tls: true, got: LayerIntegrity},
		{offer: all, want: LayerIntegrity, canProtect: true, got: LayerIntegrity},
		{offer: all, want: LayerIntegrity, fail: true},
		{offer: LayerConfidentiality, want: LayerIntegrity, canProtect: true, fail: true},
		{offer: LayerConfidentiality, want: LayerNone, fail: true},
	} {
		got, err := chooseLayer(tc.offer, tc.want, tc.canProtect, tc.tls)
		if tc.fail {
			if !errors.Is(err, ErrNoCommonLayer) {
				t.Errorf("%+v: %v, %v; want ErrNoCommonLayer", tc, got, err)
			}
			continue
		}
		if err != nil || got != tc.got {
			t.Errorf("%+v: %v, %v", tc, got, err)
		}
	}
}
