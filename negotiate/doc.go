// Package negotiate speaks SPNEGO (RFC 4178, with Microsoft's MS-SPNG
// extensions): the token codec (NegTokenInit, NegTokenInit2, NegTokenResp),
// a key-less inspector that describes tokens and their inner mechanism
// tokens, and the mechListMIC policy that decides which side owes a MIC.
//
// The codec reads strict DER through cryptobyte without reflection and
// without copying: Parse and Token.Unmarshal return slices that alias the
// input. Every decoding failure is a *ParseError naming the token, the field
// and the byte offset, and matches mechtoken.ErrMalformed with errors.Is.
//
//	tok, err := negotiate.Parse(in)
//	if err != nil { ... }
//	if tok.Kind == negotiate.KindInit { mic := mech.GetMIC(tok.RawMechTypes) ... }
package negotiate
