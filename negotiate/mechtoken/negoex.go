package mechtoken

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// negoExSignature starts every NegoEx message (MS-NEGOEX §2.2.6.1: the
// ULONG64 0x535458454f47454e, little-endian).
const negoExSignature = "NEGOEXTS"

// NegoExMessageType is a NegoEx MESSAGE_TYPE (MS-NEGOEX §2.2.6.1).
type NegoExMessageType uint32

// NegoEx message types.
const (
	NegoExInitiatorNego     NegoExMessageType = 0
	NegoExAcceptorNego      NegoExMessageType = 1
	NegoExInitiatorMetaData NegoExMessageType = 2
	NegoExAcceptorMetaData  NegoExMessageType = 3
	NegoExChallenge         NegoExMessageType = 4
	NegoExAPRequest         NegoExMessageType = 5
	NegoExVerify            NegoExMessageType = 6
	NegoExAlert             NegoExMessageType = 7
)

var negoExTypeNames = [...]string{"INITIATOR_NEGO", "ACCEPTOR_NEGO", "INITIATOR_META_DATA",
	"ACCEPTOR_META_DATA", "CHALLENGE", "AP_REQUEST", "VERIFY", "ALERT"}

// String returns the MS-NEGOEX name without the MESSAGE_TYPE_ prefix.
func (t NegoExMessageType) String() string {
	if int(t) < len(negoExTypeNames) {
		return negoExTypeNames[t]
	}
	return fmt.Sprintf("MESSAGE_TYPE(%d)", uint32(t))
}

// MarshalText makes JSON show the name.
func (t NegoExMessageType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// GUID is a Windows GUID as it appears on the wire (Data1-3 little-endian).
type GUID [16]byte

// String formats the GUID as "0d53335c-f9ea-4d0d-b2ec-4ae3786ec308".
func (g GUID) String() string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(g[0:]),
		binary.LittleEndian.Uint16(g[4:]), binary.LittleEndian.Uint16(g[6:]), g[8:10], g[10:])
}

// MarshalText makes JSON show the GUID in its usual form.
func (g GUID) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

// NegoExMessage is the header of one NegoEx message and the auth scheme(s)
// it names.
type NegoExMessage struct {
	Type           NegoExMessageType `json:"type"`
	SequenceNum    uint32            `json:"seq"`
	HeaderLen      uint32            `json:"header_len"`
	MessageLen     uint32            `json:"message_len"`
	ConversationID GUID              `json:"conversation_id"`
	// AuthSchemes lists the schemes of a NEGO message, or holds the one
	// scheme of any other message.
	AuthSchemes []GUID `json:"auth_schemes,omitempty"`
	// ExchangeLen is the length of the mechanism token inside a META_DATA,
	// CHALLENGE or AP_REQUEST message.
	ExchangeLen int `json:"exchange_len,omitempty"`
	// ErrorCode is an ALERT message's error code.
	ErrorCode uint32 `json:"error_code,omitempty"`
}

// NegoEx holds the messages of a NegoEx token (a token carries one or more
// messages back to back).
type NegoEx struct {
	Messages []NegoExMessage `json:"messages"`
}

// NegoEx layout (MS-NEGOEX §2.2).
const (
	negoExHeaderLen   = 40 // MESSAGE_HEADER
	negoExNegoLen     = 96 // NEGO_MESSAGE up to the end of Extensions
	negoExExchangeLen = 64 // EXCHANGE_MESSAGE up to the end of Exchange
	negoExSchemeLen   = 56 // header + AuthScheme (VERIFY, ALERT)
	negoExAlertLen    = 60 // ... + ErrorCode
	guidLen           = 16
)

// parseNegoEx reads every message of a NegoEx token; b starts with the signature.
func (p *parser) parseNegoEx(b []byte, nx *NegoEx) error {
	p.Token = "NegoEx"
	for rest := b; len(rest) > 0; {
		if len(rest) < negoExHeaderLen {
			return p.Failf("MESSAGE_HEADER", rest, "truncated: %d bytes, want %d", len(rest), negoExHeaderLen)
		}
		if string(rest[:8]) != negoExSignature {
			return p.Fail("Signature", rest, "not NEGOEXTS")
		}
		m := NegoExMessage{
			Type:        NegoExMessageType(binary.LittleEndian.Uint32(rest[8:])),
			SequenceNum: binary.LittleEndian.Uint32(rest[12:]),
			HeaderLen:   binary.LittleEndian.Uint32(rest[16:]),
			MessageLen:  binary.LittleEndian.Uint32(rest[20:]),
		}
		copy(m.ConversationID[:], rest[24:40])
		if uint64(m.MessageLen) > uint64(len(rest)) {
			return p.Failf("cbMessageLength", rest[20:], "message of %d bytes, only %d left", m.MessageLen, len(rest))
		}
		if m.HeaderLen < negoExHeaderLen || m.HeaderLen > m.MessageLen {
			return p.Failf("cbHeaderLength", rest[16:], "header length %d outside [%d, %d]", m.HeaderLen, negoExHeaderLen, m.MessageLen)
		}
		msg := rest[:m.MessageLen]
		if err := p.negoExBody(msg, &m); err != nil {
			return err
		}
		nx.Messages = append(nx.Messages, m)
		rest = rest[m.MessageLen:]
	}
	return nil
}

// negoExBody reads the type-specific part of one message.
func (p *parser) negoExBody(msg []byte, m *NegoExMessage) error {
	var need int
	switch m.Type {
	case NegoExInitiatorNego, NegoExAcceptorNego:
		need = negoExNegoLen
	case NegoExInitiatorMetaData, NegoExAcceptorMetaData, NegoExChallenge, NegoExAPRequest:
		need = negoExExchangeLen
	case NegoExVerify:
		need = negoExSchemeLen
	case NegoExAlert:
		need = negoExAlertLen
	default:
		return p.Failf("MessageType", msg[8:], "unknown message type %d", uint32(m.Type))
	}
	if int(m.HeaderLen) < need {
		return p.Failf("cbHeaderLength", msg[16:], "%d bytes, a %v message needs %d", m.HeaderLen, m.Type, need)
	}
	switch need {
	case negoExNegoLen:
		off := binary.LittleEndian.Uint32(msg[80:])
		n := binary.LittleEndian.Uint16(msg[84:])
		if uint64(off)+uint64(n)*guidLen > uint64(len(msg)) {
			return p.Failf("AuthSchemes", msg[80:], "%d schemes at offset %d past the end of the %d-byte message", n, off, len(msg))
		}
		m.AuthSchemes = make([]GUID, n)
		for i := range m.AuthSchemes {
			copy(m.AuthSchemes[i][:], msg[int(off)+guidLen*i:])
		}
		eoff := binary.LittleEndian.Uint32(msg[88:])
		en := binary.LittleEndian.Uint16(msg[92:])
		if uint64(eoff)+uint64(en)*12 > uint64(len(msg)) { // EXTENSION: type + BYTE_VECTOR
			return p.Failf("Extensions", msg[88:], "%d extensions at offset %d past the end of the %d-byte message", en, eoff, len(msg))
		}
		return nil
	case negoExExchangeLen:
		off := binary.LittleEndian.Uint32(msg[56:])
		n := binary.LittleEndian.Uint32(msg[60:])
		if uint64(off)+uint64(n) > uint64(len(msg)) {
			return p.Failf("Exchange", msg[56:], "offset %d + length %d past the end of the %d-byte message", off, n, len(msg))
		}
		m.ExchangeLen = int(n)
	case negoExAlertLen:
		m.ErrorCode = binary.LittleEndian.Uint32(msg[56:])
	}
	var g GUID
	copy(g[:], msg[40:56])
	m.AuthSchemes = []GUID{g}
	return nil
}

func (nx *NegoEx) summary(sb *strings.Builder) {
	sb.WriteString("NegoEx")
	for i, m := range nx.Messages {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(sb, " %v seq %d", m.Type, m.SequenceNum)
		if m.Type == NegoExInitiatorNego || m.Type == NegoExAcceptorNego {
			fmt.Fprintf(sb, " %d schemes", len(m.AuthSchemes))
		} else if len(m.AuthSchemes) == 1 {
			fmt.Fprintf(sb, " scheme %v", m.AuthSchemes[0])
		}
	}
}
