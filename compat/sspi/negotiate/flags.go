package negotiate

import (
	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
)

// flagMap pairs ISC_REQ_* bits with GSS flags; the ISC_RET_* bits have the
// same values.
var flagMap = []struct {
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

// alwaysGranted are requests every gssnego context meets: it is
// connection-oriented and allocates its tokens.
const alwaysGranted = sspi.ISC_REQ_CONNECTION | sspi.ISC_REQ_ALLOCATE_MEMORY

func gssFlags(isc uint32) gss.Flags {
	var f gss.Flags
	for _, m := range flagMap {
		if isc&m.isc != 0 {
			f |= m.gss
		}
	}
	return f
}

// iscRetFlags are the ISC_RET_* bits for the granted GSS flags, with the
// always-granted requests that were asked for.
func iscRetFlags(granted gss.Flags, requested uint32) uint32 {
	v := requested & alwaysGranted
	for _, m := range flagMap {
		if granted&m.gss != 0 {
			v |= m.isc
		}
	}
	return v
}

// verifySelectiveFlags determines if all bits requested in flags are set in establishedFlags.
func verifySelectiveFlags(flags, establishedFlags uint32) (valid bool, missing, extra uint32) {
	missing = flags&establishedFlags ^ flags
	extra = flags | establishedFlags ^ flags
	return missing == 0, missing, extra
}
