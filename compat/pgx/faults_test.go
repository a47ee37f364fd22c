//go:build linux

package pgxgss_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pgxgss "github.com/gssnego/gssnego/compat/pgx"
)

// TestAdapterFaults: no ticket, an expired ticket and an unreachable KDC
// against the real PostgreSQL and MIT KDC give the gss faults every
// adapter gives (testrealm.CheckAdapterFaults), at StepInitiate, with the
// message leading with the cause.
func TestAdapterFaults(t *testing.T) {
	_, realm := pgServer(t)
	pgxgss.Register()
	realm.CheckAdapterFaults(t, realm.Principal(roleBob), bobPass, func(t *testing.T) error {
		_, err := connect(t, connString(roleBob))
		var ge *pgxgss.Error
		require.ErrorAs(t, err, &ge, "%v", err)
		assert.Equal(t, pgxgss.StepInitiate, ge.Step)
		return ge
	})
}

// TestAdapterFaultsEncrypted: the same under RequireEncryption, where the
// handshake runs in the GSSENCRequest: the same step (StepInitiate) and
// the same faults.
func TestAdapterFaultsEncrypted(t *testing.T) {
	_, realm := pgServer(t)
	realm.CheckAdapterFaults(t, realm.Principal(roleBob), bobPass, func(t *testing.T) error {
		_, err := connectEncrypted(t, connString(roleBob, "sslmode=disable"))
		var ge *pgxgss.Error
		require.ErrorAs(t, err, &ge, "%v", err)
		assert.Equal(t, pgxgss.StepInitiate, ge.Step)
		return ge
	})
}
