package negotiate

import (
	"fmt"

	"github.com/gssnego/gssnego/gss"
	sspiwin "github.com/gssnego/gssnego/sspi_windows"
)

// platformSizes asks SSPI (SECPKG_ATTR_SIZES) of the mechanism context.
func platformSizes(e engine) (s [4]uint32, ok bool, err error) {
	err = e.MechContext(func(m gss.SecContext) error {
		w, isSSPI := m.(*sspiwin.SecContext)
		if !isSSPI {
			return nil
		}
		z, err := w.Sizes()
		if err != nil {
			return err
		}
		s, ok = [4]uint32{z.MaxToken, z.MaxSignature, z.BlockSize, z.SecurityTrailer}, true
		return nil
	})
	return s, ok, err
}

// impersonate calls ImpersonateSecurityContext on the mechanism context
// (Kerberos or NTLM) that authenticated the client.
func impersonate(e engine) error {
	return e.MechContext(func(m gss.SecContext) error {
		w, ok := m.(*sspiwin.SecContext)
		if !ok {
			return fmt.Errorf("%w: mechanism context %T is not SSPI's", gss.ErrUnavailable, m)
		}
		return w.ImpersonateSecurityContext()
	})
}

func revert(e engine) error {
	return e.MechContext(func(m gss.SecContext) error {
		w, ok := m.(*sspiwin.SecContext)
		if !ok {
			return fmt.Errorf("%w: mechanism context %T is not SSPI's", gss.ErrUnavailable, m)
		}
		return w.RevertSecurityContext()
	})
}
