package sspi

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/gss"
)

func TestKerberosHandshakeMutual(t *testing.T) {
	l := needLab(t)
	ini, acc := handshake(t, l.SPN, krbFlags, nil, nil)
	defer ini.Close()
	defer acc.Close()
	t.Logf("initiator flags %v, acceptor flags %v", ini.Flags(), acc.Flags())
	assert.NotZero(t, ini.Flags()&gss.FlagMutual, "mutual auth granted")
	info, err := ini.Inquire()
	require.NoError(t, err)
	t.Logf("initiator info %+v", info)
	info, err = acc.Inquire()
	require.NoError(t, err)
	t.Logf("acceptor info %+v", info)

	mic, err := ini.GetMIC([]byte("hello"))
	require.NoError(t, err)
	t.Logf("MIC %x", mic)
	require.NoError(t, acc.VerifyMIC([]byte("hello"), mic))

	w, conf, err := ini.Wrap([]byte("wrapped message"), true)
	require.NoError(t, err)
	t.Logf("wrap %v %x", conf, w)
	msg, conf, err := acc.Unwrap(w)
	require.NoError(t, err)
	assert.True(t, conf)
	assert.Equal(t, "wrapped message", string(msg))
}
