package gss

// MechInquirer is implemented by contexts that can describe themselves
// without their names. Names cost several library calls each (inquire,
// display, release) and the SPNEGO engine, which inquires on every
// handshake, decides nothing from them: it needs the mechanism, the flags,
// the state and the session-key enctype.
type MechInquirer interface {
	// InquireMech is Inquire with InitiatorName and AcceptorName left empty.
	InquireMech() (*SecContextInfo, error)
}

// InquireMech describes ctx without its names when ctx implements
// MechInquirer, and with them (Inquire) when it does not.
func InquireMech(ctx SecContext) (*SecContextInfo, error) {
	if m, ok := ctx.(MechInquirer); ok {
		return m.InquireMech()
	}
	return ctx.Inquire()
}
