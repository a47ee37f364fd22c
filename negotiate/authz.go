package negotiate

import "github.com/gssnego/gssnego/gss"

var (
	_ gss.AuthzInquirer = (*Server)(nil)
	_ gss.AuthzInquirer = (*Native)(nil)
)

// InquireAuthz implements gss.AuthzInquirer: once the exchange is complete
// (mechListMICs included), the client's authorization data from the
// selected mechanism (the Kerberos ticket's PAC), nil without one.
func (s *Server) InquireAuthz() (*gss.AuthzData, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readyLocked()
	if err != nil {
		return nil, err
	}
	return gss.InquireAuthz(m)
}

// InquireAuthz implements gss.AuthzInquirer for the native acceptor (MIT's
// and Heimdal's SPNEGO answer for the krb5 mechanism they selected).
func (n *Native) InquireAuthz() (*gss.AuthzData, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m, err := n.readyLocked()
	if err != nil {
		return nil, err
	}
	return gss.InquireAuthz(m)
}
