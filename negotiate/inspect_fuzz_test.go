package negotiate

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzInspect puts arbitrary bytes into real exchanges: inspecting,
// evaluating and encoding the transcript as JSON must never panic, and a
// verdict always has a result.
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
		}
	})
}
