//go:build !windows

package negotiate

import (
	"fmt"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/gss"
)

// platformSizes has nothing to ask off Windows: sizes are computed.
func platformSizes(engine) ([4]uint32, bool, error) { return [4]uint32{}, false, nil }

func impersonate(engine) error {
	return fmt.Errorf("%w: %w", sspi.ErrNotSupported, gss.ErrUnavailable)
}

func revert(engine) error { return impersonate(nil) }
