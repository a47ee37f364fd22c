package gss

// ContextOptionSetter is implemented by contexts whose library has
// gss_set_sec_context_option: a mechanism-specific knob on an established
// context, named by an OID. The SPNEGO engine needs one such knob, NTLM's
// "reset crypto" around the mechListMIC; a backend without the call (SSPI,
// which resets inside its NTLM package) simply does not implement it.
type ContextOptionSetter interface {
	// SetOption sets option to value on the established context.
	SetOption(option OID, value []byte) error
}
