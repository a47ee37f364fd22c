package gss

import "strings"

// Flags are the GSS context flags (RFC 2744 values; the last three are the
// Microsoft/MIT extensions that SSPI and MIT share).
type Flags uint32

// Context flags.
const (
	FlagDeleg         Flags = 1
	FlagMutual        Flags = 2
	FlagReplay        Flags = 4
	FlagSequence      Flags = 8
	FlagConf          Flags = 16
	FlagInteg         Flags = 32
	FlagAnon          Flags = 64
	FlagProtReady     Flags = 128
	FlagTrans         Flags = 256
	FlagDelegPolicy   Flags = 0x8000 // MIT GSS_C_DELEG_POLICY_FLAG
	FlagDCEStyle      Flags = 0x1000
	FlagIdentify      Flags = 0x2000
	FlagExtendedError Flags = 0x4000
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagDeleg, "deleg"}, {FlagMutual, "mutual"}, {FlagReplay, "replay"},
	{FlagSequence, "sequence"}, {FlagConf, "conf"}, {FlagInteg, "integ"},
	{FlagAnon, "anon"}, {FlagProtReady, "prot-ready"}, {FlagTrans, "trans"},
	{FlagDCEStyle, "dce-style"}, {FlagIdentify, "identify"},
	{FlagExtendedError, "extended-error"}, {FlagDelegPolicy, "deleg-policy"},
}

// String lists the set flags by name, separated by '|'.
func (f Flags) String() string {
	var parts []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		parts = append(parts, "0x"+strings.ToLower(hex32(uint32(f))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

func hex32(v uint32) string {
	const digits = "0123456789ABCDEF"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	s := strings.TrimLeft(string(b[:]), "0")
	if s == "" {
		return "0"
	}
	return s
}
