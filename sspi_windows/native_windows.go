package sspi

import (
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	winsspi "github.com/alexbrainman/sspi"
	"golang.org/x/sys/windows"

	"github.com/gssnego/gssnego/gss"
)

// Declarations the sspi package does not have. The structures mirror sspi.h
// field for field; they are read only through the pointers SSPI fills in.

var (
	modsecur32                      = windows.NewLazySystemDLL("secur32.dll")
	procQueryCredentialsAttributesW = modsecur32.NewProc("QueryCredentialsAttributesW")
	modntdll                        = windows.NewLazySystemDLL("ntdll.dll")
	procWineGetVersion              = modntdll.NewProc("wine_get_version")
)

// SECPKG_ATTR_* context attributes and SECPKG_CRED_ATTR_NAMES.
const (
	secpkgAttrSizes           = 0
	secpkgAttrNames           = 1
	secpkgAttrLifespan        = 2
	secpkgAttrKeyInfo         = 5
	secpkgAttrPackageInfo     = 10
	secpkgAttrNegotiationInfo = 12
	secpkgAttrNativeNames     = 13
	secpkgAttrFlags           = 14
	secpkgCredAttrNames       = 1
)

// secqopWrapNoEncrypt is KERB_WRAP_NO_ENCRYPT / SECQOP_WRAP_NO_ENCRYPT.
const secqopWrapNoEncrypt = 0x80000001

type secPkgContextSizes struct {
	MaxToken, MaxSignature, BlockSize, SecurityTrailer uint32
}

type secPkgContextNames struct{ UserName *uint16 }

type secPkgContextNativeNames struct{ ClientName, ServerName *uint16 }

type secPkgContextKeyInfo struct {
	SignatureAlgorithmName *uint16
	EncryptAlgorithmName   *uint16
	KeySize                uint32
	SignatureAlgorithm     uint32
	EncryptAlgorithm       uint32
}

type secPkgContextPackageInfo struct{ PackageInfo *winsspi.SecPkgInfo }

type secPkgContextNegotiationInfo struct {
	PackageInfo      *winsspi.SecPkgInfo
	NegotiationState uint32
}

type secPkgContextFlags struct{ Flags uint32 }

type secPkgContextLifespan struct{ Start, Expiry int64 }

type secPkgCredentialsNames struct{ UserName *uint16 }

// secChannelBindings is SEC_CHANNEL_BINDINGS; the three byte strings follow
// it in the same buffer at the given offsets.
type secChannelBindings struct {
	InitiatorAddrType     uint32
	InitiatorLength       uint32
	InitiatorOffset       uint32
	AcceptorAddrType      uint32
	AcceptorLength        uint32
	AcceptorOffset        uint32
	ApplicationDataLength uint32
	ApplicationDataOffset uint32
}

// marshalChannelBindings lays cb out as SEC_CHANNEL_BINDINGS followed by its
// data, the form SECBUFFER_CHANNEL_BINDINGS carries.
func marshalChannelBindings(cb *gss.ChannelBindings) []byte {
	if cb == nil {
		return nil
	}
	hdr := secChannelBindings{
		InitiatorAddrType: cb.InitiatorAddrType, AcceptorAddrType: cb.AcceptorAddrType,
	}
	size := uint32(unsafe.Sizeof(hdr))
	off := size
	hdr.InitiatorLength, hdr.InitiatorOffset = uint32(len(cb.InitiatorAddress)), off
	off += hdr.InitiatorLength
	hdr.AcceptorLength, hdr.AcceptorOffset = uint32(len(cb.AcceptorAddress)), off
	off += hdr.AcceptorLength
	hdr.ApplicationDataLength, hdr.ApplicationDataOffset = uint32(len(cb.ApplicationData)), off
	off += hdr.ApplicationDataLength
	buf := make([]byte, off)
	copy(buf, unsafe.Slice((*byte)(unsafe.Pointer(&hdr)), size))
	copy(buf[hdr.InitiatorOffset:], cb.InitiatorAddress)
	copy(buf[hdr.AcceptorOffset:], cb.AcceptorAddress)
	copy(buf[hdr.ApplicationDataOffset:], cb.ApplicationData)
	return buf
}

func queryCredentialsAttributes(h *winsspi.CredHandle, attr uint32, buf unsafe.Pointer) uint32 {
	if procQueryCredentialsAttributesW.Find() != nil {
		return secEUnsupportedFunction
	}
	r, _, _ := procQueryCredentialsAttributesW.Call(uintptr(unsafe.Pointer(h)), uintptr(attr), uintptr(buf))
	return uint32(r)
}

// utf16Ptr converts s for SSPI; an empty s is a NULL pointer.
func utf16Ptr(s string) (*uint16, error) {
	if s == "" {
		return nil, nil
	}
	return windows.UTF16PtrFromString(s)
}

// takeString copies a string SSPI allocated and frees it with FreeContextBuffer.
func takeString(p *uint16) string {
	if p == nil {
		return ""
	}
	s := windows.UTF16PtrToString(p)
	winsspi.FreeContextBuffer((*byte)(unsafe.Pointer(p)))
	return s
}

// timestampToTime converts an SSPI TimeStamp (a FILETIME). "Never" (the
// maximum value, or anything past year 30000) and zero give the zero time.
func timestampToTime(ft syscall.Filetime) time.Time {
	v := int64(ft.HighDateTime)<<32 | int64(ft.LowDateTime)
	if v <= 0 || v >= 0x7FFFFFFFFFFFFFFF>>1 {
		return time.Time{}
	}
	return time.Unix(0, ft.Nanoseconds())
}

var (
	wineOnce    sync.Once
	wineVersion string
)

// WineVersion returns the Wine version when the program runs under Wine, and
// "" on Windows. It asks ntdll.dll for wine_get_version, which only Wine exports.
func WineVersion() string {
	wineOnce.Do(func() {
		if procWineGetVersion.Find() != nil {
			return
		}
		r, _, _ := procWineGetVersion.Call()
		if r == 0 {
			wineVersion = "unknown"
			return
		}
		// r points at a static C string in ntdll; read it without
		// converting a uintptr to a pointer in an expression vet flags.
		wineVersion = windows.BytePtrToString(*(**byte)(unsafe.Pointer(&r)))
	})
	return wineVersion
}

// IsWine reports whether the program runs under Wine rather than Windows.
func IsWine() bool { return WineVersion() != "" }

// systemMessage is FormatMessage's text for an SSPI or NTSTATUS code.
func systemMessage(code uint32) string {
	buf := make([]uint16, 512)
	flags := uint32(windows.FORMAT_MESSAGE_FROM_SYSTEM | windows.FORMAT_MESSAGE_IGNORE_INSERTS)
	n, err := windows.FormatMessage(flags, 0, code, 0, buf, nil)
	if err != nil || n == 0 {
		if h, lerr := windows.LoadLibraryEx("ntdll.dll", 0, windows.LOAD_LIBRARY_AS_DATAFILE); lerr == nil {
			n, err = windows.FormatMessage(flags|windows.FORMAT_MESSAGE_FROM_HMODULE, uintptr(h), code, 0, buf, nil)
			windows.FreeLibrary(h)
		}
	}
	if err != nil || n == 0 {
		return ""
	}
	return strings.TrimSpace(windows.UTF16ToString(buf[:n]))
}

// newError builds the gss.Error for an SSPI failure: the code in Minor, its
// name and the system text in Message, the GSS major from the mapping table.
func newError(op string, code uint32, mech gss.OID) *gss.Error {
	msg := statusName(code)
	if text := systemMessage(code); text != "" {
		msg += ": " + text
	}
	return gss.NewError(op, majorFor(op, code), code, mech, msg)
}

// utf16String reads a NUL-terminated string SSPI owns (no free).
func utf16String(p *uint16) string {
	if p == nil {
		return ""
	}
	return windows.UTF16PtrToString(p)
}
