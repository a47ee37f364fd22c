package gss

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOIDRoundTrip(t *testing.T) {
	cases := map[string]string{
		"1.2.840.113554.1.2.2":   "2a864886f712010202",
		"1.2.840.48018.1.2.2":    "2a864882f712010202",
		"1.3.6.1.5.5.2":          "2b0601050502",
		"1.3.6.1.4.1.311.2.2.10": "2b06010401823702020a",
		"1.3.5.1.5.2":            "2b05010502",
		"2.999.3":                "883703",
	}
	for dotted, hx := range cases {
		o, err := ParseOID(dotted)
		require.NoError(t, err, dotted)
		assert.Equal(t, hx, fmt.Sprintf("%x", o.DER()), dotted)
		assert.Equal(t, dotted, o.String())
	}
	assert.True(t, MechMSKRB5.IsKerberos())
	assert.False(t, MechNTLMSSP.IsKerberos())
}

func TestOIDRejectsBadInput(t *testing.T) {
	for _, s := range []string{"", "1", "3.1", "1.40", "1.x.3", "1.2.99999999999999999999999"} {
		_, err := ParseOID(s)
		assert.Error(t, err, s)
	}
	for _, der := range [][]byte{nil, {0x2a, 0x86}, {0x80, 0x01}, {0x2a, 0x80, 0x01}} {
		_, err := OIDFromDER(der)
		assert.Error(t, err, "% x", der)
	}
	assert.Contains(t, OID("\x80").String(), "invalid")
}

func TestErrorIsSentinels(t *testing.T) {
	e := NewError("gss_verify_mic", StatusBadMIC, 0x96c73a0f, MechKRB5, "Message stream modified")
	assert.ErrorIs(t, e, ErrBadMIC)
	assert.NotErrorIs(t, e, ErrDefectiveToken)
	wrapped := fmt.Errorf("outer: %w", e)
	assert.ErrorIs(t, wrapped, ErrBadMIC)
	assert.Contains(t, e.Error(), "gss_verify_mic: bad MIC: Message stream modified (minor 0x96c73a0f, mech krb5)")

	replay := NewError("gss_verify_mic", StatusDuplicateToken, 0, "", "")
	assert.ErrorIs(t, replay, ErrDuplicateToken)
	assert.NotErrorIs(t, replay, ErrBadMIC)
	var ge *Error
	require.True(t, errors.As(wrapped, &ge))
	assert.Equal(t, uint32(0x96c73a0f), ge.Minor)
	// A non-sentinel *Error never matches through Is.
	assert.False(t, errors.Is(e, NewError("", StatusBadMIC, 0, "", "")))
}

func TestFlagsAndEnctypes(t *testing.T) {
	assert.Equal(t, "mutual|integ|dce-style", (FlagMutual | FlagInteg | FlagDCEStyle).String())
	assert.Equal(t, "none", Flags(0).String())
	assert.Equal(t, "conf|0x10000", (FlagConf | 0x10000).String())
	assert.True(t, EnctypeAES256SHA1.UsesRFC4121Tokens())
	assert.False(t, EnctypeRC4HMAC.UsesRFC4121Tokens())
	assert.Equal(t, "aes256-cts-hmac-sha384-192", EnctypeAES256SHA384.String())
	assert.Equal(t, "enctype-99", Enctype(99).String())
}

func TestGuessNameType(t *testing.T) {
	assert.Equal(t, NameHostBasedService, GuessNameType("HTTP@www.example.com"))
	assert.Equal(t, NameKerberosPrincipal, GuessNameType("HTTP/www.example.com@EXAMPLE.COM"))
	assert.Equal(t, NameKerberosPrincipal, GuessNameType("alice@EXAMPLE.TEST"))
	assert.Equal(t, NameUserName, GuessNameType("alice"))
}

func TestDefaultWithoutProvider(t *testing.T) {
	_, err := Default()
	assert.ErrorIs(t, err, ErrNoProvider)
}

// TestErrorIsNilTarget: errors.Is with a typed nil *Error as the target is
// false, not a nil dereference (compat/ssh tripped on it).
func TestErrorIsNilTarget(t *testing.T) {
	var target *Error
	err := &Error{Op: "gss_init_sec_context", Major: StatusFailure}
	if errors.Is(err, target) {
		t.Fatal("a nil target matched")
	}
}

// TestFaultsFromSSPICodes: an SSPI error (sspi_windows puts the SEC_E code
// in Minor) leads with the same faults as MIT's and Heimdal's.
func TestFaultsFromSSPICodes(t *testing.T) {
	for code, want := range map[uint32]*Fault{0x80090311: ErrKDCUnreachable, 0x80090324: ErrClockSkew} {
		err := NewError("InitializeSecurityContext", StatusFailure, code, MechKRB5, "SEC_E_…")
		if !errors.Is(err, want) {
			t.Errorf("0x%08X: %v does not match %v", code, err, want)
		}
	}
}

// TestDefaultUnavailable: a linked backend that cannot work (gssapi_unix
// without cgo) makes Default's error say why, still matching ErrNoProvider.
func TestDefaultUnavailable(t *testing.T) {
	registryMu.Lock()
	saved, savedReg := unavailable, registry
	unavailable, registry = nil, nil
	registryMu.Unlock()
	t.Cleanup(func() {
		registryMu.Lock()
		unavailable, registry = saved, savedReg
		registryMu.Unlock()
	})
	RegisterUnavailable("built without cgo")
	_, err := Default()
	assert.ErrorIs(t, err, ErrNoProvider)
	assert.Contains(t, err.Error(), "built without cgo")
	assert.NotContains(t, err.Error(), "import github.com/gssnego/gssnego/platform")
}
