package gss

import (
	"errors"
	"slices"
	"strings"
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
	registryMu  sync.Mutex
	registry    func() (Provider, error)
	regName     string
	unavailable []string // why a backend the build links cannot work
)

// RegisterProvider makes newProvider the build's default backend. Backends
// call it from init; the platform package imports the right backend.
func RegisterProvider(name string, newProvider func() (Provider, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry, regName = newProvider, name
}

// RegisterUnavailable records why a backend the build links cannot provide
// anything (gssapi_unix built without cgo): Default's error then says what
// is missing instead of suggesting an import the program already has. A
// provider registered by another backend still wins.
func RegisterUnavailable(reason string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	unavailable = append(unavailable, reason)
}

// ErrNoProvider is returned by Default when no backend is linked in, or
// (as a *NoProviderError matching it) when the linked ones cannot work.
var ErrNoProvider = errors.New("gss: no provider registered; import github.com/gssnego/gssnego/platform")

// NoProviderError is Default's error when the build links a backend that
// registered why it cannot work (RegisterUnavailable). It matches
// ErrNoProvider.
type NoProviderError struct {
	Reasons []string
}

func (e *NoProviderError) Error() string {
	return "gss: no provider: " + strings.Join(e.Reasons, "; ")
}

// Is makes the error match ErrNoProvider.
func (e *NoProviderError) Is(target error) bool { return target == ErrNoProvider }

// Default returns the registered platform provider.
func Default() (Provider, error) {
	registryMu.Lock()
	f := registry
	reasons := slices.Clone(unavailable)
	registryMu.Unlock()
	if f == nil {
		if len(reasons) > 0 {
			return nil, &NoProviderError{Reasons: reasons}
		}
		return nil, ErrNoProvider
	}
	return f()
}
