// Command gssnego is the gssnego command-line tool. Subcommands:
//
//	gssnego inspect [flags] [token ...]   decode SPNEGO tokens and judge the exchange
//	gssnego audit [flags] FILE.pcap       judge every SPNEGO exchange in a capture (audit.go)
//	gssnego client [flags]                MSDN SSPI sockets sample client (sample.go)
//	gssnego server [flags]                MSDN SSPI sockets sample server (sample.go)
//	gssnego http-get [flags] URL          GET with HTTP Negotiate (httpget.go)
//	gssnego proxy -backend URL [flags]    Negotiate-authenticating reverse proxy (proxy.go)
//	gssnego forward -upstream URL [flags] local forward proxy answering an upstream's Negotiate (forward.go)
//
// Run "gssnego <command> -h" for a command's flags.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: run gets the arguments after its name and
// returns the process exit status.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands is the dispatch table; other subcommands register here.
var commands = map[string]command{
	"inspect": {"decode SPNEGO tokens and apply the mechListMIC policy", runInspect},
	"audit":   {"find the SPNEGO exchanges in a packet capture and judge each", runAudit},
	"client":  {"SSPI Windows Sockets sample client (MSDN), wire-compatible", runClient},
	"server":  {"SSPI Windows Sockets sample server (MSDN), wire-compatible", runServer},

	"http-get": {"GET a URL with HTTP Negotiate and print the transcript", runHTTPGet},
	"proxy":    {"reverse proxy that authenticates clients with HTTP Negotiate", runProxy},
	"forward":  {"local forward proxy that answers an upstream proxy's Negotiate for tools", runForward},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand; main stays free of logic so tests can
// call run in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gssnego: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gssnego <command> [arguments]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
