// Package sspisample is the MSDN "Using SSPI with a Windows Sockets Client"
// and "… Server" sample in Go, wire-compatible with the C programs
// (docs/protocol.md, docs/sample.md):
//
//   - TCP, port 2000 by default.
//   - During authentication every token travels as a frame: a 4-byte
//     little-endian length, then the token. An empty token is not sent at
//     all; the side whose security call produced a token sends it.
//   - Once authenticated, the server sends one unframed message,
//     [LE32 trailer length][trailer][ciphertext], the Windows EncryptMessage
//     two-buffer (SECBUFFER_TOKEN + SECBUFFER_DATA) form of
//     "This is your server speaking", and closes the connection; the client
//     reads to EOF, splits at the leading length and decrypts.
//
// Unlike the C sample, frames are capped (Config.MaxToken), a zero-length
// frame is an error, and every connection has a deadline.
//
// The package ("Negotiate", "Kerberos" or "NTLM") and, for Negotiate, the
// engine (gssnego's Go SPNEGO or the provider's own) are chosen in Config.
// The two-buffer form comes from the mechanism context: gssapi_unix's
// WrapIOV/UnwrapIOV (gss_wrap_iov) on Unix, sspi_windows's
// EncryptMessage/DecryptMessage on Windows; negotiate's engines hand their
// mechanism context out through MechContext.
//
//	l, _ := net.Listen("tcp", ":2000")
//	go (&sspisample.Server{}).Serve(l)
//	conn, _ := net.Dial("tcp", "localhost:2000")
//	res, err := sspisample.Client(conn, "host@localhost", sspisample.Config{})
//	fmt.Printf("%s\n", res.Message) // This is your server speaking
//
// The commands are gssnego client and gssnego server (cmd/gssnego); the
// demo (examples/demo, ci/demo.sh) runs both over a throwaway realm. The
// package is internal because those are its users: a library package or
// command must not import examples/.
package sspisample
