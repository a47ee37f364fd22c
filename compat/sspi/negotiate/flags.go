package negotiate

import (
	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
	sspiwin "github.com/gssnego/gssnego/sspi_windows"
)

// adapterFlags are the GSS flags this adapter passes on and reports: the
// ISC_REQ_* requests of alexbrainman/sspi/negotiate's callers (delegate,
// mutual, replay, sequence, confidentiality, integrity, identify). The bit
// values come from sspi_windows's one ISC ↔ GSS table; the ISC_RET_* bits
// have the same values as the ISC_REQ_* ones.
const adapterFlags = gss.FlagDeleg | gss.FlagMutual | gss.FlagReplay | gss.FlagSequence |
	gss.FlagConf | gss.FlagInteg | gss.FlagIdentify

// alwaysGranted are requests every gssnego context meets: it is
// connection-oriented and allocates its tokens.
const alwaysGranted = sspi.ISC_REQ_CONNECTION | sspi.ISC_REQ_ALLOCATE_MEMORY

// gssFlags maps a caller's ISC_REQ_* requests to GSS flags.
func gssFlags(isc uint32) gss.Flags { return sspiwin.ISCRetFlags(isc) & adapterFlags }

// iscRetFlags are the ISC_RET_* bits for the granted GSS flags, with the
// always-granted requests that were asked for.
func iscRetFlags(granted gss.Flags, requested uint32) uint32 {
	return requested&alwaysGranted | sspiwin.ISCRetBits(granted&adapterFlags)
}

// verifySelectiveFlags determines if all bits requested in flags are set in establishedFlags.
func verifySelectiveFlags(flags, establishedFlags uint32) (valid bool, missing, extra uint32) {
	missing = flags&establishedFlags ^ flags
	extra = flags | establishedFlags ^ flags
	return missing == 0, missing, extra
}
