package sspisample_test

import (
	"fmt"
	"log"
	"net"

	"github.com/gssnego/gssnego/internal/sspisample"
)

// The server's final message: [LE32 trailer length][trailer][ciphertext],
// unframed, the end marked by the server closing the connection.
func ExampleParseMessage() {
	msg := sspisample.MarshalMessage([]byte("TRAILER"), []byte("ciphertext"))
	fmt.Printf("% x\n", msg[:4])
	trailer, ciphertext, err := sspisample.ParseMessage(msg)
	fmt.Printf("%s %s %v\n", trailer, ciphertext, err)
	// Output:
	// 07 00 00 00
	// TRAILER ciphertext <nil>
}

// A server and a client with the sample's defaults (Negotiate, gssnego's
// SPNEGO, the Windows mechListMIC profile, default credentials).
func ExampleClient() {
	l, err := net.Listen("tcp", "127.0.0.1:2000")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	go (&sspisample.Server{}).Serve(l)

	conn, err := net.Dial("tcp", "127.0.0.1:2000")
	if err != nil {
		log.Fatal(err)
	}
	res, err := sspisample.Client(conn, "host@localhost", sspisample.Config{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sspisample.VerdictLine(res, nil))
	fmt.Printf("%s\n", res.Message)
}
