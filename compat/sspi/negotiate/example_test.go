package negotiate_test

import (
	"fmt"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/compat/sspi/negotiate"
)

func ExampleGetPackageInfo() {
	info, err := negotiate.GetPackageInfo()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Name, info.MaxToken)
	// Output: Negotiate 48256
}

// A client and a server in one process, exactly as with
// alexbrainman/sspi/negotiate: send each token to the other side until
// both report completion, then protect messages.
func Example() {
	cred, err := negotiate.AcquireCurrentUserCredentials()
	if err != nil {
		panic(err)
	}
	defer cred.Release()
	serverCred, err := negotiate.AcquireServerCredentials("")
	if err != nil {
		panic(err)
	}
	defer serverCred.Release()

	client, toServer, err := negotiate.NewClientContextWithFlags(cred, "HTTP/www.example.com",
		sspi.ISC_REQ_CONNECTION|sspi.ISC_REQ_MUTUAL_AUTH|sspi.ISC_REQ_CONFIDENTIALITY)
	if err != nil {
		panic(err)
	}
	defer client.Release()
	server, _, toClient, err := negotiate.NewServerContext(serverCred, toServer)
	if err != nil {
		panic(err)
	}
	defer server.Release()
	for len(toClient) > 0 {
		if _, toServer, err = client.Update(toClient); err != nil || len(toServer) == 0 {
			break
		}
		if _, toClient, err = server.Update(toServer); err != nil {
			break
		}
	}
	if err != nil {
		panic(err)
	}
	user, _ := server.GetUsername()
	sealed, _ := client.EncryptMessage([]byte("hello"), 0, 0)
	_, msg, _ := server.DecryptMessage(sealed, 0)
	fmt.Println(user, string(msg))
}
