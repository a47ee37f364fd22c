package negotiate

import "github.com/gssnego/gssnego/gss"

var (
	_ gss.Delegated = (*Server)(nil)
	_ gss.Delegated = (*Native)(nil)
)

// Delegation is what an engine knows about credential delegation in its
// exchange. Neither side can see it in the tokens: the krb5 AP-REQ's
// ap-options have no delegation bit, and the GSS checksum (RFC 4121 §4.1.1:
// its Deleg flag and the KRB-CRED carrying the forwarded TGT) lies inside
// the authenticator, encrypted in the ticket's session key. What a key-less
// observer sees is the authenticator's size (Transcript: the AP-REQ's
// authenticator cipher_len), which a forwarded TGT grows by the size of a
// KRB-CRED (about a kilobyte; TestDelegationVisibleOnlyAsSize measures it).
// Each side learns the rest from its mechanism context.
type Delegation struct {
	// Requested are the delegation flags the initiator asked its mechanism
	// for (gss.FlagDeleg, gss.FlagDelegPolicy); zero on the acceptor.
	Requested gss.Flags
	// Delegated: on the initiator, the mechanism forwarded a credential (it
	// reported FlagDeleg: the service ticket was forwardable, and with the
	// policy flag alone, the KDC marked the service ok-as-delegate); on the
	// acceptor, the mechanism received one (DelegatedCredential hands it
	// over).
	Delegated bool
}

// noteDelegation records the completed mechanism context's verdict.
func (c *conversation) noteDelegation() {
	if info, err := c.mechInfo(); err == nil {
		c.record.Delegation.Delegated = info.Flags&gss.FlagDeleg != 0
	}
}

// DelegatedCredential implements gss.Delegated: once the exchange is
// complete (mechListMICs included), it hands over the credential the
// initiator delegated to the selected mechanism, nil when none arrived.
func (s *Server) DelegatedCredential() (gss.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readyLocked()
	if err != nil {
		return nil, err
	}
	return gss.DelegatedCredential(m)
}

// DelegatedCredential implements gss.Delegated for the native acceptor
// (MIT's and Heimdal's SPNEGO pass the krb5 mechanism's credential on).
func (n *Native) DelegatedCredential() (gss.Credential, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m, err := n.readyLocked()
	if err != nil {
		return nil, err
	}
	return gss.DelegatedCredential(m)
}
