package negotiate

import (
	"testing"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
)

// TestFlagTable: the adapter maps the seven ISC_REQ_* requests its callers
// use through sspi_windows's table, passes nothing else (DCE style,
// extended error, connection) to the engine, and reports the always-granted
// requests back.
func TestFlagTable(t *testing.T) {
	pairs := []struct {
		isc uint32
		gss gss.Flags
	}{
		{sspi.ISC_REQ_DELEGATE, gss.FlagDeleg},
		{sspi.ISC_REQ_MUTUAL_AUTH, gss.FlagMutual},
		{sspi.ISC_REQ_REPLAY_DETECT, gss.FlagReplay},
		{sspi.ISC_REQ_SEQUENCE_DETECT, gss.FlagSequence},
		{sspi.ISC_REQ_CONFIDENTIALITY, gss.FlagConf},
		{sspi.ISC_REQ_INTEGRITY, gss.FlagInteg},
		{sspi.ISC_REQ_IDENTIFY, gss.FlagIdentify},
	}
	for _, p := range pairs {
		if got := gssFlags(p.isc); got != p.gss {
			t.Errorf("gssFlags(%#x) = %v, want %v", p.isc, got, p.gss)
		}
		if got := iscRetFlags(p.gss, 0); got != p.isc {
			t.Errorf("iscRetFlags(%v) = %#x, want %#x", p.gss, got, p.isc)
		}
	}
	other := uint32(sspi.ISC_REQ_USE_DCE_STYLE | sspi.ISC_REQ_EXTENDED_ERROR | sspi.ISC_REQ_CONNECTION | sspi.ISC_REQ_ALLOCATE_MEMORY)
	if got := gssFlags(other); got != 0 {
		t.Errorf("gssFlags(%#x) = %v, want none", other, got)
	}
	if got := iscRetFlags(gss.FlagDCEStyle|gss.FlagAnon|gss.FlagMutual, other); got != sspi.ISC_REQ_MUTUAL_AUTH|sspi.ISC_REQ_CONNECTION|sspi.ISC_REQ_ALLOCATE_MEMORY {
		t.Errorf("iscRetFlags = %#x", got)
	}
}
