//go:build !windows

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "alexpeer: github.com/alexbrainman/sspi/negotiate is Windows only")
	os.Exit(2)
}
