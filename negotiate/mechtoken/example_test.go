package mechtoken_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/gssnego/gssnego/negotiate/mechtoken"
)

// Example sniffs two mechListMICs from MIT exchanges, one made with an AES
// acceptor subkey (RFC 4121) and one with an RC4 key (RFC 4757), then a
// truncated token.
func Example() {
	for _, h := range []string{
		"040405ffffffffff000000001878cf8c0b7e979a7c6e63a536e5bfb2",
		"602306092a864886f71201020201011100ffffffff4ef3bcd0ce96bf2317cc8b1f567d21c0",
		"602306092a864886f712010202010111",
	} {
		tok, _ := hex.DecodeString(h)
		info, err := mechtoken.Sniff(tok)
		if errors.Is(err, mechtoken.ErrMalformed) {
			fmt.Println("error:", err)
			continue
		}
		isNew, known := info.NewEnctype()
		fmt.Printf("%s\n  new enctype: %v (known: %v)\n", info, isNew, known)
	}
	// Output:
	// krb5 MIC (RFC 4121) flags 0x05 [sent-by-acceptor|acceptor-subkey] seq 410570636 checksum 12 bytes (aes-sha1)
	//   new enctype: true (known: true)
	// krb5 MIC (RFC 1964) SGN_ALG 11 00 (rc4)
	//   new enctype: false (known: true)
	// error: GSS framing: field InitialContextToken at offset 0: truncated: declared length 35 exceeds the 14 bytes remaining
}
