package capture

import (
	"encoding/binary"
	"fmt"
)

// SMB1 (MS-CIFS, MS-SMB) with extended security carries the same SPNEGO
// tokens as SMB2: the NEGOTIATE response (NT LM 0.12, WordCount 17) ends
// with ServerGUID and the server's NegTokenInit2; SESSION_SETUP_ANDX
// requests (WordCount 12) and responses (WordCount 4) carry
// SecurityBlobLength bytes at the start of their byte data.
const (
	smb1HeaderLen      = 32
	smb1Negotiate      = 0x72
	smb1SessionSetupX  = 0x73
	smb1FlagReply      = 0x80
	smb1Flags2ExtSec   = 0x0800
	smb1NegotiateWords = 17
)

// smb1SecurityBlob returns the security blob of one SMB1 message, nil if
// it has none (another command, an error reply, no extended security).
// legacy says the message is a SESSION_SETUP_ANDX request without
// extended security (WordCount 13, or 10 for LAN Manager dialects): the
// client authenticates with challenge-response in the password fields and
// sends no GSS token at all.
func smb1SecurityBlob(msg []byte) (blob []byte, legacy bool, err error) {
	if len(msg) < smb1HeaderLen+1 {
		return nil, false, fmt.Errorf("smb1: message of %d bytes shorter than its header", len(msg))
	}
	if msg[4] == smb1SessionSetupX && msg[9]&smb1FlagReply == 0 {
		if wc := msg[smb1HeaderLen]; wc == 13 || wc == 10 {
			return nil, true, nil
		}
	}
	blob, err = smb1Blob(msg)
	return blob, false, err
}

func smb1Blob(msg []byte) ([]byte, error) {
	cmd, reply := msg[4], msg[9]&smb1FlagReply != 0
	flags2 := binary.LittleEndian.Uint16(msg[10:])
	wc := int(msg[smb1HeaderLen])
	words := msg[smb1HeaderLen+1:]
	if len(words) < 2*wc+2 {
		return nil, fmt.Errorf("smb1: command %#02x: %d parameter words and the byte count do not fit %d bytes", cmd, wc, len(words))
	}
	bc := int(binary.LittleEndian.Uint16(words[2*wc:]))
	data := words[2*wc+2:]
	if len(data) < bc {
		return nil, fmt.Errorf("smb1: command %#02x: byte count %d beyond the message (%d bytes)", cmd, bc, len(data))
	}
	data = data[:bc]
	var blobLen int
	switch {
	case cmd == smb1Negotiate && reply && wc == smb1NegotiateWords:
		if flags2&smb1Flags2ExtSec == 0 || bc <= 16 {
			return nil, nil // challenge/response dialect, or no blob
		}
		return data[16:], nil // after ServerGUID
	case cmd == smb1SessionSetupX && !reply && wc == 12:
		blobLen = int(binary.LittleEndian.Uint16(words[14:]))
	case cmd == smb1SessionSetupX && reply && wc == 4:
		blobLen = int(binary.LittleEndian.Uint16(words[6:]))
	default:
		return nil, nil
	}
	if blobLen == 0 {
		return nil, nil
	}
	if blobLen > len(data) {
		return nil, fmt.Errorf("smb1: SESSION_SETUP_ANDX SecurityBlobLength %d beyond the byte data (%d bytes)", blobLen, len(data))
	}
	return data[:blobLen], nil
}
