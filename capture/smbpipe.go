package capture

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"unicode/utf16"
)

// DCE/RPC over SMB2 named pipes (ncacn_np, MS-RPCE §2.1.1.2): the client
// opens `\pipe\name` on IPC$ with CREATE, writes PDUs with WRITE (or with
// IOCTL FSCTL_PIPE_TRANSCEIVE, input and output in one round trip) and
// reads the answers with READ. The bind's auth verifier (SPNEGO, NTLMSSP,
// Kerberos) is inside those PDUs, which a pipe's byte stream may split
// across READs (STATUS_BUFFER_OVERFLOW). Each pipe is one DCE/RPC
// stream per direction, read by a dcerpcCarrier of its own; its tokens
// form exchanges of their own, apart from the SMB session's.
//
// A READ response names no FileId, so the pending READ and IOCTL requests
// are remembered by MessageId. A pipe is followed from the first data the
// client writes that is a DCE/RPC bind or alter_context, so a file whose
// contents merely start like one is not taken for a pipe unless its data
// is written as a bind.

// SMB2 commands (MS-SMB2 §2.2.1) read here besides NEGOTIATE and SESSION_SETUP.
const (
	smb2Create = 5
	smb2Read   = 8
	smb2Write  = 9
	smb2Ioctl  = 11

	fsctlPipeTransceive = 0x0011c017
	statusPending       = 0x00000103
)

// Bounds, so that a hostile or endless capture cannot grow the tables.
const (
	maxPipes   = 256
	maxPending = 4096
)

type smbPipe struct {
	key  string // FileId in hex
	name string
	rpc  dcerpcCarrier
	buf  [2][]byte // undelivered PDU bytes: [0] from the client, [1] from the server
}

// smbPipes follows the named pipes of one SMB2 connection.
type smbPipes struct {
	pipes   map[[16]byte]*smbPipe
	names   map[[16]byte]string // from CREATE responses
	creates map[uint64]string   // CREATE request MessageId → name
	reads   map[uint64][16]byte // READ/IOCTL request MessageId → FileId
}

func (ps *smbPipes) subWrapped(sub string) int {
	for _, p := range ps.pipes {
		if p.key == sub {
			return p.rpc.wraps
		}
	}
	return 0
}

func (c *smb2Carrier) subWrapped(sub string) int { return c.pipes.subWrapped(sub) }

// message reads one SMB2 command (header and body, h) for pipe traffic.
func (ps *smbPipes) message(h []byte, cmd uint16, resp bool) ([]carried, error) {
	body := h[smb2HeaderLen:]
	msgID := binary.LittleEndian.Uint64(h[24:])
	status := binary.LittleEndian.Uint32(h[8:])
	switch {
	case cmd == smb2Create && !resp:
		if len(body) < 48 {
			return nil, nil
		}
		off, l := int(binary.LittleEndian.Uint16(body[44:])), int(binary.LittleEndian.Uint16(body[46:]))
		if l == 0 || off < smb2HeaderLen || off+l > len(h) || l%2 != 0 {
			return nil, nil
		}
		if ps.creates == nil || len(ps.creates) >= maxPending {
			ps.creates = map[uint64]string{}
		}
		ps.creates[msgID] = utf16le(h[off : off+l])
	case cmd == smb2Create && resp:
		name, ok := ps.creates[msgID]
		delete(ps.creates, msgID)
		if !ok || status != 0 || len(body) < 80 {
			return nil, nil
		}
		if ps.names == nil || len(ps.names) >= maxPipes {
			ps.names = map[[16]byte]string{}
		}
		ps.names[[16]byte(body[64:80])] = name
	case cmd == smb2Write && !resp:
		if len(body) < 32 {
			return nil, fmt.Errorf("WRITE request body truncated (%d bytes)", len(body))
		}
		off, l := int(binary.LittleEndian.Uint16(body[2:])), int(binary.LittleEndian.Uint32(body[4:]))
		if off < smb2HeaderLen || off+l > len(h) {
			return nil, fmt.Errorf("WRITE data %d+%d outside the %d-byte command", off, l, len(h))
		}
		return ps.data([16]byte(body[16:32]), true, h[off:off+l])
	case cmd == smb2Read && !resp:
		if len(body) < 32 {
			return nil, nil
		}
		ps.expect(msgID, [16]byte(body[16:32]))
	case cmd == smb2Read && resp:
		fid, ok := ps.reads[msgID]
		if !ok {
			return nil, nil
		}
		if status == statusPending && binary.LittleEndian.Uint32(h[16:])&2 != 0 {
			return nil, nil // interim response; the data follows under the same MessageId
		}
		delete(ps.reads, msgID)
		if len(body) < 16 || binary.LittleEndian.Uint16(body) != 17 {
			return nil, nil // error response
		}
		off, l := int(body[2]), int(binary.LittleEndian.Uint32(body[4:]))
		if l == 0 {
			return nil, nil
		}
		if off < smb2HeaderLen || off+l > len(h) {
			return nil, fmt.Errorf("READ data %d+%d outside the %d-byte command", off, l, len(h))
		}
		return ps.data(fid, false, h[off:off+l])
	case cmd == smb2Ioctl && !resp:
		if len(body) < 56 || binary.LittleEndian.Uint32(body[4:]) != fsctlPipeTransceive {
			return nil, nil
		}
		fid := [16]byte(body[8:24])
		off, l := int(binary.LittleEndian.Uint32(body[24:])), int(binary.LittleEndian.Uint32(body[28:]))
		if off < smb2HeaderLen || off+l > len(h) {
			return nil, fmt.Errorf("IOCTL input %d+%d outside the %d-byte command", off, l, len(h))
		}
		toks, err := ps.data(fid, true, h[off:off+l])
		ps.expect(msgID, fid)
		return toks, err
	case cmd == smb2Ioctl && resp:
		fid, ok := ps.reads[msgID]
		if !ok {
			return nil, nil
		}
		if status == statusPending && binary.LittleEndian.Uint32(h[16:])&2 != 0 {
			return nil, nil
		}
		delete(ps.reads, msgID)
		if len(body) < 48 || binary.LittleEndian.Uint16(body) != 49 {
			return nil, nil
		}
		off, l := int(binary.LittleEndian.Uint32(body[32:])), int(binary.LittleEndian.Uint32(body[36:]))
		if l == 0 {
			return nil, nil
		}
		if off < smb2HeaderLen || off+l > len(h) {
			return nil, fmt.Errorf("IOCTL output %d+%d outside the %d-byte command", off, l, len(h))
		}
		return ps.data(fid, false, h[off:off+l])
	}
	return nil, nil
}

// expect remembers which pipe a READ or IOCTL request reads, if it is one
// that is followed.
func (ps *smbPipes) expect(msgID uint64, fid [16]byte) {
	if ps.pipes[fid] == nil {
		return
	}
	if ps.reads == nil || len(ps.reads) >= maxPending {
		ps.reads = map[uint64][16]byte{}
	}
	ps.reads[msgID] = fid
}

// data appends pipe bytes of one direction and reads whole PDUs from them.
func (ps *smbPipes) data(fid [16]byte, fromClient bool, b []byte) ([]carried, error) {
	p := ps.pipes[fid]
	if p == nil {
		if !fromClient || !looksDCERPC(b) || b[2] != rpcBind && b[2] != rpcAlterContext {
			return nil, nil
		}
		if ps.pipes == nil || len(ps.pipes) >= maxPipes {
			ps.pipes = map[[16]byte]*smbPipe{}
		}
		p = &smbPipe{key: hex.EncodeToString(fid[:]), name: ps.names[fid]}
		ps.pipes[fid] = p
	}
	i := sideIdx(fromClient)
	p.buf[i] = append(p.buf[i], b...)
	n, toks, err := p.rpc.parse(fromClient, p.buf[i])
	p.buf[i] = p.buf[i][:copy(p.buf[i], p.buf[i][n:])]
	if len(p.buf[i]) > maxBuffered {
		p.buf[i] = nil
	}
	name := p.name
	if name == "" {
		name = p.key
	}
	for j := range toks {
		toks[j].sub, toks[j].carrier, toks[j].pipe = p.key, "dcerpc", name
	}
	if err != nil {
		err = fmt.Errorf("pipe %s: %w", name, err)
	}
	return toks, err
}

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
