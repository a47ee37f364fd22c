//go:build linux

package pgxgss_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/platform"
)

// spnegoProvider makes every initiator context MIT's native SPNEGO and
// records the tokens it sends.
type spnegoProvider struct {
	gss.Provider
	mu   sync.Mutex
	sent [][]byte
}

func (p *spnegoProvider) InitSecContext(n gss.Name, o ...gss.InitSecContextOption) (gss.SecContext, error) {
	c, err := p.Provider.InitSecContext(n, append(o, gss.WithMech(gss.MechSPNEGO))...)
	if err != nil {
		return nil, err
	}
	return &recordingContext{SecContext: c, p: p}, nil
}

type recordingContext struct {
	gss.SecContext
	p *spnegoProvider
}

func (c *recordingContext) Continue(in []byte) ([]byte, error) {
	out, err := c.SecContext.Continue(in)
	c.p.mu.Lock()
	c.p.sent = append(c.p.sent, out)
	c.p.mu.Unlock()
	return out, err
}

// TestPostgresAlsoAcceptsSPNEGO records a fact behind the choice of raw
// krb5: PostgreSQL 15 built with MIT accepts a SPNEGO initial token in its
// gss method too (it accepts with the default credential, which covers
// MIT's SPNEGO mech) and answers with a NegTokenResp. libpq never sends
// one, so the provider does not either.
func TestPostgresAlsoAcceptsSPNEGO(t *testing.T) {
	_, realm := pgServer(t)
	p, err := platform.Provider()
	require.NoError(t, err)
	lab.NeedMech(t, p, gss.MechSPNEGO)
	sp := &spnegoProvider{Provider: p}
	pgxgss.Register(pgxgss.WithProvider(sp))
	c, err := connect(t, connString(realm.User))
	require.NoError(t, err)
	assert.Equal(t, realm.User, sessionGSS(t, c).User)

	require.NotEmpty(t, sp.sent)
	spnegoOID := []byte{0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}
	first := sp.sent[0]
	assert.True(t, len(first) > 12 && bytes.Contains(first[:12], spnegoOID), "first token %x… is not SPNEGO", first[:min(len(first), 16)])
}
