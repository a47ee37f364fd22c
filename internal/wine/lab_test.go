package wine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLabEnvironRoundTrip(t *testing.T) {
	in := &Lab{
		Realm: "GSSNEGO.TEST", User: "alice", Password: "pw", SPN: "host/localhost", SPN2: "HTTP/localhost",
		EtypeSPNs: map[int32]string{23: "HTTP/rc4.gssnego.test", 17: "HTTP/aes128.gssnego.test"},
		StaleSPN:  "HTTP/stale.gssnego.test", ViaRunner: true, OnlyEtype: 20,
	}
	env := in.Environ()
	assert.Contains(t, env, EnvEtypeSPNs+"=17=HTTP/aes128.gssnego.test,23=HTTP/rc4.gssnego.test")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	out, ok := FromEnv()
	require.True(t, ok)
	assert.Equal(t, in, out)
	assert.Equal(t, "alice@GSSNEGO.TEST", out.Principal("alice"))

	t.Setenv(EnvSPN, "")
	_, ok = FromEnv()
	assert.False(t, ok, "no SPN, no lab")
}
