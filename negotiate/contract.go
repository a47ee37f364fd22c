package negotiate

import "github.com/gssnego/gssnego/gss"

// Session is what a caller can read from any context this package makes —
// Client, Server (the Go engine) and Native — beyond gss.SecContext. Code
// that holds a plain gss.SecContext (httpauth's NewContext hook, an
// adapter that also takes contexts it did not make) asserts to Session,
// and to Recorder for the engine's decisions, rather than to unnamed
// method sets that would silently stop matching when a method changes.
type Session interface {
	gss.SecContext
	// Transcript returns the inspector's view of every token so far, with
	// the MIC checks the engine made (Native: unchecked, the keys stay in
	// the provider's SPNEGO). The copy is the caller's.
	Transcript() Transcript
	// MechContext calls f with the established mechanism context (for
	// Native, the provider's SPNEGO context) under the context's lock, for
	// per-message calls gss.SecContext lacks (gssapi_unix's WrapIOV,
	// sspi_windows's EncryptMessage). It fails before the exchange, its
	// mechListMIC included, is complete, after a failure and after Close;
	// f must not call Continue, Export or Close, nor keep the context.
	MechContext(f func(mech gss.SecContext) error) error
}

// Recorder is a Session whose SPNEGO decisions were made by this package's
// engine (Client and Server, not Native, whose provider keeps them): the
// selection, the etype evidence and the mechListMIC rules it applied.
type Recorder interface {
	Session
	// Record returns what the engine knows about the exchange so far; its
	// Transcript is the one Transcript returns.
	Record() Record
}

var (
	_ Recorder = (*Client)(nil)
	_ Recorder = (*Server)(nil)
	_ Session  = (*Native)(nil)
)

// Transcript returns the inspector's view of every token so far, with the
// engine's MIC checks: Record().Transcript.
func (c *conversation) Transcript() Transcript { return c.Record().Transcript }
