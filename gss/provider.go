package gss

import (
	"errors"
	"sync"
)

// Provider is a GSS implementation: MIT or Heimdal through cgo, or SSPI.
type Provider interface {
	// Name identifies the implementation, e.g. "MIT", "Heimdal", "SSPI".
	Name() string
	// IndicateMechs lists the mechanisms the implementation supports.
	IndicateMechs() ([]OID, error)
	// ImportName imports a name of the given type.
	ImportName(name string, nameType NameType) (Name, error)
	// AcquireCredential acquires credentials for name (nil: the default
	// principal) for the given mechanisms (nil: the default set).
	AcquireCredential(name Name, mechs []OID, usage CredUsage, opts ...CredOption) (Credential, error)
	// InitSecContext starts an initiator context towards target.
	InitSecContext(target Name, opts ...InitSecContextOption) (SecContext, error)
	// AcceptSecContext starts an acceptor context.
	AcceptSecContext(opts ...AcceptSecContextOption) (SecContext, error)
	// ImportSecContext revives a context made by SecContext.Export.
	ImportSecContext(token []byte) (SecContext, error)
}

var (
	registryMu sync.Mutex
	registry   func() (Provider, error)
	regName    string
)

// RegisterProvider makes newProvider the build's default backend. Backends
// call it from init; the platform package imports the right backend.
func RegisterProvider(name string, newProvider func() (Provider, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry, regName = newProvider, name
}

// ErrNoProvider is returned by Default when no backend is linked in.
var ErrNoProvider = errors.New("gss: no provider registered; import github.com/gssnego/gssnego/platform")

// Default returns the registered platform provider.
func Default() (Provider, error) {
	registryMu.Lock()
	f := registry
	registryMu.Unlock()
	if f == nil {
		return nil, ErrNoProvider
	}
	return f()
}
