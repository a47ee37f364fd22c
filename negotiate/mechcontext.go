package negotiate

import "github.com/gssnego/gssnego/gss"

// MechContext implements Session: it calls f with the established
// mechanism context (for Native, the provider's SPNEGO context), under the
// same lock and checks as GetMIC and Wrap: it fails before the exchange
// (and its mechListMIC) is complete, after a failure and after Close. It
// exists for per-message calls that gss.SecContext lacks, such as
// gssapi_unix's WrapIOV or sspi_windows's EncryptMessage; f must not call
// Continue, Export or Close, nor keep the context after it returns.
func (p *perMessage) MechContext(f func(mech gss.SecContext) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.ready()
	if err != nil {
		return err
	}
	return f(m)
}
