package mspac

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Buffer types (MS-PAC 2.4).
const (
	TypeLogonInfo      = 1
	TypeCredentials    = 2
	TypeServerChecksum = 6
	TypeKDCChecksum    = 7
	TypeClientInfo     = 10
	TypeDelegationInfo = 11
	TypeUPNDNSInfo     = 12
	TypeClientClaims   = 13
	TypeDeviceInfo     = 14
	TypeDeviceClaims   = 15
	TypeTicketChecksum = 16
	TypeAttributes     = 17
	TypeRequestor      = 18
	TypeFullChecksum   = 19
)

// Buffer is one PAC_INFO_BUFFER and the bytes it points to (aliasing the
// PAC).
type Buffer struct {
	Type   uint32
	Offset int
	Data   []byte
}

// PAC is a decoded PACTYPE. The fields for buffers the PAC lacks are nil.
type PAC struct {
	Raw     []byte   // the PAC as given to Parse
	Buffers []Buffer // every buffer, in PACTYPE order

	LogonInfo  *LogonInfo
	ClientInfo *ClientInfo
	UPNDNSInfo *UPNDNSInfo

	ServerSignature, KDCSignature  *Signature
	TicketSignature, FullSignature *Signature
	Requestor                      SID    // PAC_REQUESTOR, zero without
	Attributes                     uint32 // PAC_ATTRIBUTES_INFO flags
	ClientClaims, DeviceClaims     []byte // CLAIMS_SET_METADATA, not decoded
}

// ClientInfo is PAC_CLIENT_INFO: the client's name and the ticket's
// authtime, which a service compares with the ticket.
type ClientInfo struct {
	ClientID time.Time
	Name     string
}

// UPNDNSInfo is UPN_DNS_INFO (MS-PAC 2.10).
type UPNDNSInfo struct {
	UPN, DNSDomain string
	Flags          uint32 // UPNConstructed, UPNExtended
	SAMName        string // with UPNExtended
	SID            SID    // with UPNExtended
}

// UPN_DNS_INFO flags.
const (
	UPNConstructed = 1 // the account has no UPN; the KDC made one up
	UPNExtended    = 2 // SAM name and SID follow
)

const bufPACType = "PACTYPE"

// maxBuffers bounds cBuffers before anything is allocated for them (a
// real PAC has fewer than 20).
const maxBuffers = 256

// Parse decodes a PAC (the AD-WIN2K-PAC element's ad-data). It decodes
// every buffer it knows and keeps the others as Buffers; it checks the
// layout, not the signatures.
func Parse(b []byte) (*PAC, error) {
	if len(b) < 8 {
		return nil, malformed(bufPACType, 0, "PACTYPE needs 8 bytes, has %d", len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if v := binary.LittleEndian.Uint32(b[4:]); v != 0 {
		return nil, malformed(bufPACType, 4, "Version %d, want 0", v)
	}
	if n == 0 || n > maxBuffers {
		return nil, malformed(bufPACType, 0, "cBuffers %d, want 1..%d", n, maxBuffers)
	}
	head := 8 + 16*int(n)
	if head > len(b) {
		return nil, malformed(bufPACType, 0, "%d PAC_INFO_BUFFERs need %d bytes, PAC has %d", n, head, len(b))
	}
	p := &PAC{Raw: b, Buffers: make([]Buffer, n)}
	seen := map[uint32]bool{}
	for i := range p.Buffers {
		at := 8 + 16*i
		typ := binary.LittleEndian.Uint32(b[at:])
		size := uint64(binary.LittleEndian.Uint32(b[at+4:]))
		off := binary.LittleEndian.Uint64(b[at+8:])
		if off < uint64(head) || off > uint64(len(b)) || size > uint64(len(b))-off {
			return nil, malformed(bufPACType, at, "buffer %d (type %d): offset %d size %d outside the %d-byte PAC after the %d-byte header", i, typ, off, size, len(b), head)
		}
		if seen[typ] {
			return nil, malformed(bufPACType, at, "buffer type %d appears twice", typ)
		}
		seen[typ] = true
		p.Buffers[i] = Buffer{Type: typ, Offset: int(off), Data: b[off : off+size : off+size]}
	}
	for _, buf := range p.Buffers {
		if err := p.decode(buf); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *PAC) decode(buf Buffer) error {
	var err error
	switch buf.Type {
	case TypeLogonInfo:
		p.LogonInfo, err = parseLogonInfo(buf.Data, buf.Offset)
	case TypeClientInfo:
		p.ClientInfo, err = parseClientInfo(buf.Data, buf.Offset)
	case TypeUPNDNSInfo:
		p.UPNDNSInfo, err = parseUPNDNSInfo(buf.Data, buf.Offset)
	case TypeServerChecksum:
		p.ServerSignature, err = parseSignature(buf, "PAC_SERVER_CHECKSUM")
	case TypeKDCChecksum:
		p.KDCSignature, err = parseSignature(buf, "PAC_PRIVSVR_CHECKSUM")
	case TypeTicketChecksum:
		p.TicketSignature, err = parseSignature(buf, "PAC_TICKET_CHECKSUM")
	case TypeFullChecksum:
		p.FullSignature, err = parseSignature(buf, "PAC_FULL_CHECKSUM")
	case TypeRequestor:
		var used int
		p.Requestor, used, err = DecodeSID(buf.Data)
		if err == nil && used != len(buf.Data) {
			err = fmt.Errorf("%d bytes after the SID", len(buf.Data)-used)
		}
		if err != nil {
			err = malformed("PAC_REQUESTOR", buf.Offset, "%v", err)
		}
	case TypeAttributes:
		if len(buf.Data) < 8 {
			return malformed("PAC_ATTRIBUTES_INFO", buf.Offset, "needs 8 bytes, has %d", len(buf.Data))
		}
		p.Attributes = binary.LittleEndian.Uint32(buf.Data[4:])
	case TypeClientClaims:
		p.ClientClaims = buf.Data
	case TypeDeviceClaims:
		p.DeviceClaims = buf.Data
	}
	return err
}

func parseClientInfo(b []byte, base int) (*ClientInfo, error) {
	const name = "PAC_CLIENT_INFO"
	if len(b) < 10 {
		return nil, malformed(name, base, "needs 10 bytes, has %d", len(b))
	}
	n := int(binary.LittleEndian.Uint16(b[8:]))
	if n%2 != 0 || 10+n > len(b) {
		return nil, malformed(name, base+8, "NameLength %d in a %d-byte buffer", n, len(b))
	}
	return &ClientInfo{ClientID: filetime(binary.LittleEndian.Uint64(b)), Name: utf16le(b[10 : 10+n])}, nil
}

func parseUPNDNSInfo(b []byte, base int) (*UPNDNSInfo, error) {
	const name = "UPN_DNS_INFO"
	if len(b) < 12 {
		return nil, malformed(name, base, "needs 12 bytes, has %d", len(b))
	}
	u16 := func(at int) int { return int(binary.LittleEndian.Uint16(b[at:])) }
	field := func(at int, what string) ([]byte, error) {
		n, off := u16(at), u16(at+2)
		if off+n > len(b) {
			return nil, malformed(name, base+at, "%s: offset %d length %d outside the %d-byte buffer", what, off, n, len(b))
		}
		return b[off : off+n], nil
	}
	text := func(at int, what string) (string, error) {
		f, err := field(at, what)
		if err == nil && len(f)%2 != 0 {
			err = malformed(name, base+at, "%s: odd length %d", what, len(f))
		}
		if err != nil {
			return "", err
		}
		return utf16le(f), nil
	}
	u := &UPNDNSInfo{Flags: binary.LittleEndian.Uint32(b[8:])}
	var err error
	if u.UPN, err = text(0, "Upn"); err != nil {
		return nil, err
	}
	if u.DNSDomain, err = text(4, "DnsDomainName"); err != nil {
		return nil, err
	}
	if u.Flags&UPNExtended == 0 {
		return u, nil
	}
	if len(b) < 20 {
		return nil, malformed(name, base+12, "extended (S flag) needs 20 bytes, has %d", len(b))
	}
	if u.SAMName, err = text(12, "SamName"); err != nil {
		return nil, err
	}
	sid, err := field(16, "Sid")
	if err != nil {
		return nil, err
	}
	var used int
	if u.SID, used, err = DecodeSID(sid); err != nil || used != len(sid) {
		if err == nil {
			err = fmt.Errorf("SidLength %d, the SID is %d bytes", len(sid), used)
		}
		return nil, malformed(name, base+16, "Sid: %v", err)
	}
	return u, nil
}
