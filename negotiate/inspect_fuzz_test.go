package negotiate

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzInspect puts arbitrary bytes into real exchanges, whole and captured
// from the middle (Policy.AllowPartial): inspecting, evaluating and encoding
// the transcript as JSON must never panic, a verdict always has a result,
// and a partial verdict always says what it could not decide.
func FuzzInspect(f *testing.F) {
	for _, name := range allVectors(f) {
		f.Add(loadVector(f, name), uint8(len(name)), len(name)%2 == 0)
	}
	exchanges := [][]vectorToken{}
	trs := vectorTranscripts(f)
	for _, key := range []string{
		"mit/mit-b-ntlm1st-krb5chosen-aes256",
		"windows/zeek-dcerpc_krb_aes256_dcestyle_win_to_win",
		"windows/pyspnego-sspi_ntlm_in_smb_spnego",
		"windows/zeek-smb1_krb_rc4_xp_to_win2000",
	} {
		exchanges = append(exchanges, trs[key])
	}
	var loaded [][][]byte
	var dirs [][]Direction
	for _, ex := range exchanges {
		var bs [][]byte
		var ds []Direction
		for _, vt := range ex {
			bs = append(bs, loadVector(f, vt.file))
			ds = append(ds, vt.dir)
		}
		loaded = append(loaded, bs)
		dirs = append(dirs, ds)
	}
	f.Fuzz(func(t *testing.T, b []byte, pos uint8, i2a bool) {
		d := AcceptorToInitiator
		if i2a {
			d = InitiatorToAcceptor
		}
		r := Inspect(d, 0, b)
		_, err := json.Marshal(r)
		require.NoError(t, err)

		ex := int(pos) % len(loaded)
		at := int(pos/4) % (len(loaded[ex]) + 1)
		for _, p := range []Profile{ProfileWindows, ProfileRFC4178, ProfileStrict} {
			tr := NewTranscript(Policy{Profile: p})
			for k, tok := range loaded[ex] {
				if k == at {
					tr.Add(d, b)
				}
				tr.Add(dirs[ex][k], tok)
			}
			if at == len(loaded[ex]) {
				tr.Add(d, b)
			}
			require.NotEmpty(t, tr.Verdict.Result)
			_ = tr.Verdict.Err()
			_, err := json.Marshal(tr)
			require.NoError(t, err)

			// The same exchange captured late: the fuzzed token first, then
			// the rest from position at, as gssnego inspect reads a partial
			// transcript.
			pt := NewTranscript(Policy{Profile: p, AllowPartial: true})
			pt.Add(d, b)
			for k := at; k < len(loaded[ex]); k++ {
				pt.Add(dirs[ex][k], loaded[ex][k])
			}
			pv := pt.Verdict
			require.NotEmpty(t, pv.Result)
			if pv.Result == ResultPartial {
				require.True(t, pv.Partial)
				require.NotEmpty(t, pv.Undecided)
				require.ErrorIs(t, pv.Err(), ErrIncomplete)
			}
			_, err = json.Marshal(pt)
			require.NoError(t, err)
		}
	})
}
