package mechtoken

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
)

// ntlmSignature starts every NTLMSSP message (MS-NLMP §2.2.1). NTLMSSP
// tokens are never GSS-framed.
const ntlmSignature = "NTLMSSP\x00"

// NTLM message types (MS-NLMP §2.2.1).
const (
	NTLMNegotiate    uint32 = 1
	NTLMChallenge    uint32 = 2
	NTLMAuthenticate uint32 = 3
)

// NTLMFlags is the NegotiateFlags field (MS-NLMP §2.2.2.5).
type NTLMFlags uint32

// NTLMFlags bits.
const (
	NTLMFlagUnicode                 NTLMFlags = 0x00000001 // A: strings are UTF-16LE
	NTLMFlagOEM                     NTLMFlags = 0x00000002 // B: strings are OEM
	NTLMFlagRequestTarget           NTLMFlags = 0x00000004 // C
	NTLMFlagSign                    NTLMFlags = 0x00000010 // D: message integrity
	NTLMFlagSeal                    NTLMFlags = 0x00000020 // E: message confidentiality
	NTLMFlagDatagram                NTLMFlags = 0x00000040 // F: connectionless
	NTLMFlagLMKey                   NTLMFlags = 0x00000080 // G
	NTLMFlagNTLM                    NTLMFlags = 0x00000200 // H: NTLM v1 session security
	NTLMFlagAnonymous               NTLMFlags = 0x00000800 // J: anonymous connection
	NTLMFlagOEMDomainSupplied       NTLMFlags = 0x00001000 // K
	NTLMFlagOEMWorkstationSupplied  NTLMFlags = 0x00002000 // L
	NTLMFlagAlwaysSign              NTLMFlags = 0x00008000 // M
	NTLMFlagTargetTypeDomain        NTLMFlags = 0x00010000 // N
	NTLMFlagTargetTypeServer        NTLMFlags = 0x00020000 // O
	NTLMFlagExtendedSessionSecurity NTLMFlags = 0x00080000 // P: NTLM2 session security
	NTLMFlagIdentify                NTLMFlags = 0x00100000 // Q
	NTLMFlagRequestNonNTSessionKey  NTLMFlags = 0x00400000 // R
	NTLMFlagTargetInfo              NTLMFlags = 0x00800000 // S: TargetInfo present
	NTLMFlagVersion                 NTLMFlags = 0x02000000 // T: Version present
	NTLMFlag128                     NTLMFlags = 0x20000000 // U: 128-bit keys
	NTLMFlagKeyExch                 NTLMFlags = 0x40000000 // V: explicit key exchange
	NTLMFlag56                      NTLMFlags = 0x80000000 // W: 56-bit keys
)

var ntlmFlagNames = []flagName{
	{uint32(NTLMFlagUnicode), "UNICODE"}, {uint32(NTLMFlagOEM), "OEM"},
	{uint32(NTLMFlagRequestTarget), "REQUEST_TARGET"}, {uint32(NTLMFlagSign), "SIGN"},
	{uint32(NTLMFlagSeal), "SEAL"}, {uint32(NTLMFlagDatagram), "DATAGRAM"},
	{uint32(NTLMFlagLMKey), "LM_KEY"}, {uint32(NTLMFlagNTLM), "NTLM"},
	{uint32(NTLMFlagAnonymous), "ANONYMOUS"}, {uint32(NTLMFlagOEMDomainSupplied), "OEM_DOMAIN_SUPPLIED"},
	{uint32(NTLMFlagOEMWorkstationSupplied), "OEM_WORKSTATION_SUPPLIED"}, {uint32(NTLMFlagAlwaysSign), "ALWAYS_SIGN"},
	{uint32(NTLMFlagTargetTypeDomain), "TARGET_TYPE_DOMAIN"}, {uint32(NTLMFlagTargetTypeServer), "TARGET_TYPE_SERVER"},
	{uint32(NTLMFlagExtendedSessionSecurity), "EXTENDED_SESSIONSECURITY"}, {uint32(NTLMFlagIdentify), "IDENTIFY"},
	{uint32(NTLMFlagRequestNonNTSessionKey), "REQUEST_NON_NT_SESSION_KEY"}, {uint32(NTLMFlagTargetInfo), "TARGET_INFO"},
	{uint32(NTLMFlagVersion), "VERSION"}, {uint32(NTLMFlag128), "128"},
	{uint32(NTLMFlagKeyExch), "KEY_EXCH"}, {uint32(NTLMFlag56), "56"},
}

// String lists the set flags, e.g. "UNICODE|SIGN|...".
func (f NTLMFlags) String() string { return formatFlags(uint32(f), ntlmFlagNames) }

// MarshalText makes JSON show the flag names.
func (f NTLMFlags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// NTLMVersion is the VERSION structure (MS-NLMP §2.2.2.10): the sender's
// Windows version, present when NTLMFlagVersion is set.
type NTLMVersion struct {
	Major, Minor uint8
	Build        uint16
	Revision     uint8 // NTLMRevisionCurrent, 15
}

// IsZero reports whether the version is absent.
func (v NTLMVersion) IsZero() bool { return v == NTLMVersion{} }

// String returns "major.minor.build", e.g. "10.0.17763".
func (v NTLMVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Build) }

// MarshalText makes JSON show the version as a string.
func (v NTLMVersion) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// NTLMString is a string field of an NTLM message, read in place: UTF-16LE
// when Unicode, else OEM bytes. Raw aliases the input.
type NTLMString struct {
	Raw     []byte
	Unicode bool
}

// IsZero reports whether the string is empty.
func (s NTLMString) IsZero() bool { return len(s.Raw) == 0 }

// String decodes the string.
func (s NTLMString) String() string {
	if !s.Unicode {
		return string(s.Raw)
	}
	return decodeUTF16LE(s.Raw)
}

// MarshalText makes JSON show the decoded string.
func (s NTLMString) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func decodeUTF16LE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	s := string(utf16.Decode(u))
	if len(b)%2 != 0 {
		s += "\ufffd"
	}
	return s
}

// Hex is a binary field read in place; JSON shows it as hex.
type Hex []byte

// MarshalText makes JSON show the bytes as lowercase hex.
func (h Hex) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// AvID identifies an AV_PAIR (MS-NLMP §2.2.2.1).
type AvID uint16

// AV_PAIR identifiers.
const (
	AvEOL             AvID = 0
	AvNbComputerName  AvID = 1
	AvNbDomainName    AvID = 2
	AvDNSComputerName AvID = 3
	AvDNSDomainName   AvID = 4
	AvDNSTreeName     AvID = 5
	AvFlags           AvID = 6 // MsvAvFlags, 4 bytes
	AvTimestamp       AvID = 7 // FILETIME, 8 bytes
	AvSingleHost      AvID = 8
	AvTargetName      AvID = 9  // SPN the client authenticates to (UTF-16LE)
	AvChannelBindings AvID = 10 // MD5 of the channel bindings, 16 bytes
)

// MsvAvFlags bits.
const (
	AvFlagConstrained  uint32 = 0x1 // account authentication is constrained
	AvFlagMICPresent   uint32 = 0x2 // the AUTHENTICATE message carries a MIC
	AvFlagUntrustedSPN uint32 = 0x4 // TargetName came from an untrusted source
)

var avNames = [...]string{"MsvAvEOL", "MsvAvNbComputerName", "MsvAvNbDomainName", "MsvAvDnsComputerName",
	"MsvAvDnsDomainName", "MsvAvDnsTreeName", "MsvAvFlags", "MsvAvTimestamp", "MsvAvSingleHost",
	"MsvAvTargetName", "MsvAvChannelBindings"}

// String returns the MS-NLMP name, e.g. "MsvAvFlags".
func (id AvID) String() string {
	if int(id) < len(avNames) {
		return avNames[id]
	}
	return fmt.Sprintf("AvId(%d)", uint16(id))
}

// AVPair is one AV_PAIR; Value aliases the input.
type AVPair struct {
	ID    AvID
	Value []byte
}

// AVPairs is a validated AV_PAIR list, kept as received (it aliases the
// input and ends with MsvAvEOL).
type AVPairs []byte

// All returns the pairs before MsvAvEOL (a new slice).
func (l AVPairs) All() []AVPair {
	var out []AVPair
	for rest := []byte(l); len(rest) >= 4; {
		id, n := AvID(binary.LittleEndian.Uint16(rest)), int(binary.LittleEndian.Uint16(rest[2:]))
		if id == AvEOL || 4+n > len(rest) {
			break
		}
		out = append(out, AVPair{id, rest[4 : 4+n]})
		rest = rest[4+n:]
	}
	return out
}

// Lookup returns the value of the first pair with id.
func (l AVPairs) Lookup(id AvID) ([]byte, bool) {
	for _, p := range l.All() {
		if p.ID == id {
			return p.Value, true
		}
	}
	return nil, false
}

// MarshalJSON shows the pairs as [{"id":"MsvAvFlags","value":"0x2"}, ...]:
// names decoded from UTF-16LE, flags as hex numbers, anything else as hex.
func (l AVPairs) MarshalJSON() ([]byte, error) {
	type pair struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	}
	out := []pair{}
	for _, p := range l.All() {
		var v string
		switch {
		case p.ID >= AvNbComputerName && p.ID <= AvDNSTreeName || p.ID == AvTargetName:
			v = decodeUTF16LE(p.Value)
		case p.ID == AvFlags && len(p.Value) == 4:
			v = fmt.Sprintf("0x%x", binary.LittleEndian.Uint32(p.Value))
		default:
			v = hex.EncodeToString(p.Value)
		}
		out = append(out, pair{p.ID.String(), v})
	}
	return json.Marshal(out)
}

// NTLM is what an NTLMSSP NEGOTIATE, CHALLENGE or AUTHENTICATE message
// reveals (MS-NLMP §2.2.1). Byte-slice fields alias the input.
type NTLM struct {
	MessageType uint32      `json:"message_type"`
	Flags       NTLMFlags   `json:"flags"`
	Version     NTLMVersion `json:"version,omitzero"`
	// DomainName and Workstation: NEGOTIATE (OEM, if supplied) and AUTHENTICATE.
	DomainName  NTLMString `json:"domain,omitzero"`
	Workstation NTLMString `json:"workstation,omitzero"`
	// UserName: AUTHENTICATE.
	UserName NTLMString `json:"user,omitzero"`
	// TargetName, ServerChallenge and TargetInfo: CHALLENGE.
	TargetName      NTLMString `json:"target_name,omitzero"`
	ServerChallenge Hex        `json:"server_challenge,omitempty"`
	TargetInfo      AVPairs    `json:"target_info,omitempty"`
	// AUTHENTICATE only from here on.
	LMResponseLen int `json:"lm_response_len,omitempty"`
	NTResponseLen int `json:"nt_response_len,omitempty"`
	// NTLMv2 reports whether the NT response is an NTLMv2 response (longer
	// than the 24 bytes of NTLMv1).
	NTLMv2 bool `json:"ntlmv2,omitempty"`
	// ClientInfo is the AV_PAIR list inside the NTLMv2 response.
	ClientInfo AVPairs `json:"client_info,omitempty"`
	// AvFlags is the MsvAvFlags value of ClientInfo, 0 if absent.
	AvFlags uint32 `json:"av_flags,omitempty"`
	// MIC is the AUTHENTICATE message's own MIC, present when AvFlags has
	// AvFlagMICPresent: 16 bytes at MICOffset (72, after the Version field;
	// 64 for old gss-ntlmssp clients that leave the Version field out).
	MIC       Hex `json:"mic,omitempty"`
	MICOffset int `json:"mic_offset,omitempty"`
	// SessionKeyLen is the EncryptedRandomSessionKey length (KEY_EXCH).
	SessionKeyLen int `json:"session_key_len,omitempty"`
}

// HasMIC reports whether an AUTHENTICATE message carries its own MIC, which
// makes the SPNEGO mechListMIC mandatory under the Windows profile.
func (n *NTLM) HasMIC() bool { return n.MIC != nil }

// Anonymous reports whether an AUTHENTICATE message is an anonymous logon
// (MS-NLMP §3.2.5.1.2: empty user, empty NT response, LM response empty or a
// single zero byte).
func (n *NTLM) Anonymous() bool {
	return n.MessageType == NTLMAuthenticate && n.UserName.IsZero() && n.NTResponseLen == 0 && n.LMResponseLen <= 1
}

// Fixed layout of the three messages (MS-NLMP §2.2.1).
const (
	ntlmMinNegotiate    = 32 // up to WorkstationFields
	ntlmMinChallenge    = 32 // up to ServerChallenge
	ntlmChallengeInfo   = 48 // ... TargetInfoFields
	ntlmMinAuthenticate = 64 // up to NegotiateFlags
	ntlmMICOffset       = 72 // after the Version field
	ntlmMICLen          = 16
	ntlmV1ResponseLen   = 24
	ntlmProofLen        = 16 // NTProofStr before the NTLMv2_CLIENT_CHALLENGE
	ntlmClientChallHdr  = 28 // RespType … Reserved3, before the AV pairs
)

// parseNTLM reads an NTLMSSP message; b starts with the signature.
func (p *parser) parseNTLM(b []byte, n *NTLM) (Kind, error) {
	p.Token = "NTLMSSP"
	if len(b) < 12 {
		return 0, p.Fail("MessageType", b[len(b):], "truncated")
	}
	n.MessageType = binary.LittleEndian.Uint32(b[8:])
	switch n.MessageType {
	case NTLMNegotiate:
		p.Token = "NTLMSSP NEGOTIATE"
		return KindNTLMNegotiate, p.ntlmNegotiate(b, n)
	case NTLMChallenge:
		p.Token = "NTLMSSP CHALLENGE"
		return KindNTLMChallenge, p.ntlmChallenge(b, n)
	case NTLMAuthenticate:
		p.Token = "NTLMSSP AUTHENTICATE"
		return KindNTLMAuthenticate, p.ntlmAuthenticate(b, n)
	}
	return 0, p.Failf("MessageType", b[8:], "unknown message type %d", n.MessageType)
}

// ntlmMin checks the fixed part of a message is there.
func (p *parser) ntlmMin(b []byte, min int) error {
	if len(b) < min {
		return p.Failf("header", b[len(b):], "truncated: %d bytes, want at least %d", len(b), min)
	}
	return nil
}

// ntlmField reads the Len/MaxLen/Offset descriptor at b[at:] and returns the
// payload bytes it points to, checked against the message.
func (p *parser) ntlmField(b []byte, at int, field string) ([]byte, error) {
	l := binary.LittleEndian.Uint16(b[at:])
	off := binary.LittleEndian.Uint32(b[at+4:])
	if l == 0 {
		return nil, nil
	}
	if uint64(off)+uint64(l) > uint64(len(b)) {
		return nil, p.Failf(field, b[at:], "offset %d + length %d past the end of the %d-byte message", off, l, len(b))
	}
	return b[off : int(off)+int(l)], nil
}

// readVersion reads the VERSION at b[at:] if the flag says it is there.
func (n *NTLM) readVersion(b []byte, at int) {
	if n.Flags&NTLMFlagVersion != 0 && len(b) >= at+8 {
		n.Version = NTLMVersion{b[at], b[at+1], binary.LittleEndian.Uint16(b[at+2:]), b[at+7]}
	}
}

func (p *parser) ntlmNegotiate(b []byte, n *NTLM) error {
	if err := p.ntlmMin(b, ntlmMinNegotiate); err != nil {
		return err
	}
	n.Flags = NTLMFlags(binary.LittleEndian.Uint32(b[12:]))
	d, err := p.ntlmField(b, 16, "DomainNameFields")
	if err != nil {
		return err
	}
	w, err := p.ntlmField(b, 24, "WorkstationFields")
	if err != nil {
		return err
	}
	n.DomainName, n.Workstation = NTLMString{Raw: d}, NTLMString{Raw: w}
	n.readVersion(b, 32)
	return nil
}

func (p *parser) ntlmChallenge(b []byte, n *NTLM) error {
	if err := p.ntlmMin(b, ntlmMinChallenge); err != nil {
		return err
	}
	n.Flags = NTLMFlags(binary.LittleEndian.Uint32(b[20:]))
	t, err := p.ntlmField(b, 12, "TargetNameFields")
	if err != nil {
		return err
	}
	n.TargetName = NTLMString{Raw: t, Unicode: n.Flags&NTLMFlagUnicode != 0}
	n.ServerChallenge = Hex(b[24:32:32])
	if len(b) < ntlmChallengeInfo {
		return nil // old servers stop after the challenge (and 8 reserved bytes)
	}
	info, err := p.ntlmField(b, 40, "TargetInfoFields")
	if err != nil {
		return err
	}
	if info != nil {
		if n.TargetInfo, _, err = p.avPairs(info, "TargetInfo"); err != nil {
			return err
		}
	}
	n.readVersion(b, 48)
	return nil
}

func (p *parser) ntlmAuthenticate(b []byte, n *NTLM) error {
	if err := p.ntlmMin(b, ntlmMinAuthenticate); err != nil {
		return err
	}
	n.Flags = NTLMFlags(binary.LittleEndian.Uint32(b[60:]))
	uni := n.Flags&NTLMFlagUnicode != 0
	var fields [6][]byte
	names := [6]string{"LmChallengeResponseFields", "NtChallengeResponseFields", "DomainNameFields",
		"UserNameFields", "WorkstationFields", "EncryptedRandomSessionKeyFields"}
	minOff := uint32(len(b))
	for i := range fields {
		var err error
		if fields[i], err = p.ntlmField(b, 12+8*i, names[i]); err != nil {
			return err
		}
		if fields[i] != nil {
			minOff = min(minOff, binary.LittleEndian.Uint32(b[12+8*i+4:]))
		}
	}
	n.LMResponseLen, n.NTResponseLen = len(fields[0]), len(fields[1])
	n.DomainName = NTLMString{Raw: fields[2], Unicode: uni}
	n.UserName = NTLMString{Raw: fields[3], Unicode: uni}
	n.Workstation = NTLMString{Raw: fields[4], Unicode: uni}
	n.SessionKeyLen = len(fields[5])
	n.readVersion(b, 64)
	if err := p.ntlmV2Response(fields[1], n); err != nil {
		return err
	}
	if n.AvFlags&AvFlagMICPresent == 0 {
		return nil
	}
	// The MIC follows the Version field. Old gss-ntlmssp clients that do not
	// negotiate VERSION leave the field out and put the MIC at 64; like
	// gss-ntlmssp's own decoder, take a non-zero "version" without the flag
	// as the start of the MIC.
	at := ntlmMICOffset
	if n.Flags&NTLMFlagVersion == 0 && len(b) >= ntlmMICOffset && !allZero(b[64:ntlmMICOffset]) {
		at = 64
	}
	if len(b) < at+ntlmMICLen {
		return p.Failf("MIC", b[len(b):], "MsvAvFlags announces a MIC but the message ends at %d bytes", len(b))
	}
	if minOff < uint32(at+ntlmMICLen) {
		return p.Failf("MIC", b[at:], "MsvAvFlags announces a MIC at offset %d but payload starts at offset %d, inside it", at, minOff)
	}
	n.MIC, n.MICOffset = Hex(b[at:at+ntlmMICLen:at+ntlmMICLen]), at
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ntlmV2Response reads the AV pairs of an NTLMv2 NT response (MS-NLMP
// §2.2.2.8: NTProofStr, then NTLMv2_CLIENT_CHALLENGE).
func (p *parser) ntlmV2Response(nt []byte, n *NTLM) error {
	if len(nt) <= ntlmV1ResponseLen {
		return nil // NTLMv1 (24 bytes) or anonymous (0)
	}
	n.NTLMv2 = true
	if len(nt) < ntlmProofLen+ntlmClientChallHdr {
		return p.Failf("NtChallengeResponse", nt, "NTLMv2 response of %d bytes, want at least %d", len(nt), ntlmProofLen+ntlmClientChallHdr)
	}
	cc := nt[ntlmProofLen:]
	if cc[0] != 1 || cc[1] != 1 {
		return p.Failf("NtChallengeResponse.RespType", cc, "RespType %d HiRespType %d, want 1 1", cc[0], cc[1])
	}
	var err error
	var flags uint32
	n.ClientInfo, flags, err = p.avPairs(cc[ntlmClientChallHdr:], "NtChallengeResponse.AvPairs")
	n.AvFlags = flags
	return err
}

// avPairs validates an AV_PAIR list: every pair inside b, MsvAvFlags 4
// bytes long, terminated by MsvAvEOL (bytes after it, e.g. the padding
// Windows adds to NTLMv2 responses, are ignored). It returns the list up to
// and including MsvAvEOL and the MsvAvFlags value.
func (p *parser) avPairs(b []byte, field string) (AVPairs, uint32, error) {
	var flags uint32
	for rest := b; ; {
		if len(rest) < 4 {
			return nil, 0, p.Fail(field, rest, "truncated AV_PAIR list: no MsvAvEOL")
		}
		id, l := AvID(binary.LittleEndian.Uint16(rest)), int(binary.LittleEndian.Uint16(rest[2:]))
		if 4+l > len(rest) {
			return nil, 0, p.Failf(field, rest, "%v of %d bytes past the end of the list", id, l)
		}
		switch id {
		case AvEOL:
			end := len(b) - len(rest) + 4
			return AVPairs(b[:end:end]), flags, nil
		case AvFlags:
			if l != 4 {
				return nil, 0, p.Failf(field, rest, "MsvAvFlags of %d bytes, want 4", l)
			}
			flags = binary.LittleEndian.Uint32(rest[4:])
		}
		rest = rest[4+l:]
	}
}

func (n *NTLM) summary(sb *strings.Builder) {
	switch n.MessageType {
	case NTLMNegotiate:
		sb.WriteString("NTLM NEGOTIATE")
	case NTLMChallenge:
		sb.WriteString("NTLM CHALLENGE")
	default:
		sb.WriteString("NTLM AUTHENTICATE")
	}
	switch n.MessageType {
	case NTLMChallenge:
		if !n.TargetName.IsZero() {
			fmt.Fprintf(sb, " target %s", n.TargetName)
		}
	case NTLMAuthenticate:
		switch {
		case n.Anonymous():
			sb.WriteString(" anonymous")
		case n.DomainName.IsZero():
			fmt.Fprintf(sb, " %s", n.UserName)
		default:
			fmt.Fprintf(sb, ` %s\%s`, n.DomainName, n.UserName)
		}
		if !n.Workstation.IsZero() {
			fmt.Fprintf(sb, " from %s", n.Workstation)
		}
	}
	if !n.Version.IsZero() {
		fmt.Fprintf(sb, " v%s", n.Version)
	}
	fmt.Fprintf(sb, " flags 0x%08x", uint32(n.Flags))
	if n.MessageType == NTLMAuthenticate {
		switch {
		case n.NTLMv2:
			sb.WriteString(" NTLMv2")
		case n.NTResponseLen == ntlmV1ResponseLen:
			sb.WriteString(" NTLMv1")
		}
		if n.HasMIC() {
			sb.WriteString(" with MIC")
		} else {
			sb.WriteString(" no MIC")
		}
	}
}
