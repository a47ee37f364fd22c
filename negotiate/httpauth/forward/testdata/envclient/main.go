// Command envclient is what most Go tools are: a program using net/http's
// default client, so HTTP_PROXY/HTTPS_PROXY through ProxyFromEnvironment.
// It GETs each argument and prints "status body" per URL.
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	for _, u := range os.Args[1:] {
		resp, err := http.Get(u)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s\n", resp.StatusCode, b)
	}
}
