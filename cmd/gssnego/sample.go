package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/negotiate"
)

// The sample client and server: the MSDN "Using SSPI with a Windows Sockets
// Client/Server" programs, wire-compatible (docs/sample.md).

const clientUsage = `usage: gssnego client [flags]

Connects to the SSPI sample server (the MSDN "Using SSPI with a Windows
Sockets Server" program, or gssnego server), authenticates with 4-byte
little-endian length-framed tokens, then reads and decrypts the server's
[trailer length][trailer][ciphertext] message.

Exit status: 0 message received and decrypted, 1 failure, 2 usage.
`

const serverUsage = `usage: gssnego server [flags]

Serves the SSPI sample protocol (the MSDN "Using SSPI with a Windows Sockets
Client" program, or gssnego client): authenticates each client, sends it
"This is your server speaking" encrypted in the EncryptMessage two-buffer form
and closes the connection. Listens on loopback unless -listen says otherwise
(the C sample listens on every interface: -listen :2000).

Exit status (-n): 0 every connection succeeded, 1 one failed, 2 usage.
`

// sampleFlags are the flags client and server share.
type sampleFlags struct {
	pkg, engine, profile, mechs string
	noOptimistic, verbose       bool
	asJSON                      bool
	timeout                     time.Duration
}

func (f *sampleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.pkg, "package", "Negotiate", "security package: Negotiate, Kerberos or NTLM")
	fs.StringVar(&f.engine, "engine", "go", "Negotiate engine: go (gssnego's SPNEGO) or native (the provider's)")
	fs.StringVar(&f.profile, "profile", "windows", "mechListMIC policy profile: windows, rfc4178 or strict")
	fs.StringVar(&f.mechs, "mechs", "", "Go engine: comma-separated mechanisms to offer/accept, in order (ms-krb5, krb5, ntlm or dotted OIDs); default ms-krb5,krb5[,ntlm]")
	fs.BoolVar(&f.verbose, "v", false, "print the negotiation transcript with the inspector's mechListMIC verdicts")
	fs.BoolVar(&f.asJSON, "json", false, "print the transcript as JSON (with -v)")
	fs.DurationVar(&f.timeout, "timeout", sspisample.DefaultTimeout, "limit for one connection")
}

func (f *sampleFlags) config() (sspisample.Config, error) {
	cfg := sspisample.Config{Package: f.pkg, Engine: f.engine, NoOptimisticToken: f.noOptimistic, Timeout: f.timeout}
	var err error
	if cfg.Profile, err = negotiate.ParseProfile(f.profile); err != nil {
		return cfg, err
	}
	if f.mechs != "" {
		for _, m := range strings.Split(f.mechs, ",") {
			oid, err := parseMech(strings.TrimSpace(m))
			if err != nil {
				return cfg, err
			}
			cfg.Mechs = append(cfg.Mechs, oid)
		}
	}
	return cfg, nil
}

// parseMech maps a mechanism name or dotted OID to an OID.
func parseMech(s string) (gss.OID, error) {
	switch strings.ToLower(s) {
	case "ms-krb5", "mskrb5":
		return gss.MechMSKRB5, nil
	case "krb5", "kerberos":
		return gss.MechKRB5, nil
	case "ntlm", "ntlmssp":
		return gss.MechNTLMSSP, nil
	}
	oid, err := gss.ParseOID(s)
	if err != nil {
		return "", fmt.Errorf("unknown mechanism %q (want ms-krb5, krb5, ntlm or a dotted OID)", s)
	}
	return oid, nil
}

// runClient is the client subcommand.
func runClient(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, clientUsage); fs.PrintDefaults() }
	var f sampleFlags
	f.register(fs)
	server := fs.String("server", "localhost", "server host")
	port := fs.Int("port", sspisample.DefaultPort, "server port")
	target := fs.String("target", "", "target name: host-based service@host, a principal, or the server's logon name (default host@<server>)")
	fs.BoolVar(&f.noOptimistic, "no-optimistic", false, "Go engine: send no optimistic mechanism token (the extra leg makes MICs due)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintln(stderr, "gssnego client:", err)
		return exitUsage
	}
	if *target == "" {
		*target = "host@" + *server
	}
	addr := net.JoinHostPort(*server, strconv.Itoa(*port))
	conn, err := net.DialTimeout("tcp", addr, f.timeout)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego client:", err)
		return 1
	}
	fmt.Fprintf(stdout, "client: connected to %s, package %s, target %s\n", conn.RemoteAddr(), describeConfig(cfg), *target)
	res, err := sspisample.Client(conn, *target, cfg)
	printSide(stdout, "client", &f, res, nil)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego client:", err)
		return 1
	}
	fmt.Fprintf(stdout, "client: server says %q (%s; trailer %d bytes, ciphertext %d bytes)\n",
		res.Message, sealedWord(res.Sealed), res.TrailerLen, res.CiphertextLen)
	return 0
}

// runServer is the server subcommand.
func runServer(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serverUsage); fs.PrintDefaults() }
	var f sampleFlags
	f.register(fs)
	listen := fs.String("listen", "127.0.0.1:"+strconv.Itoa(sspisample.DefaultPort), "address to listen on")
	count := fs.Int("n", 0, "exit after this many connections (0: serve until interrupted)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintln(stderr, "gssnego server:", err)
		return exitUsage
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "gssnego server:", err)
		return 1
	}
	fmt.Fprintf(stdout, "server: listening on %s, package %s\n", l.Addr(), describeConfig(cfg))
	var mu sync.Mutex
	served, failed := 0, false
	srv := &sspisample.Server{Config: cfg, Done: func(remote net.Addr, res *sspisample.Result, err error) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stdout, "server: connection from %s\n", remote)
		printSide(stdout, "server", &f, nil, res)
		if err != nil {
			fmt.Fprintf(stdout, "server: %s: %v\n", remote, err)
			failed = true
		} else {
			fmt.Fprintf(stdout, "server: sent %q (%s; trailer %d bytes, ciphertext %d bytes)\n",
				res.Message, sealedWord(res.Sealed), res.TrailerLen, res.CiphertextLen)
		}
		if served++; *count > 0 && served >= *count {
			l.Close()
		}
	}}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() { <-sig; l.Close() }()
	if err := srv.Serve(l); err != nil {
		fmt.Fprintln(stderr, "gssnego server:", err)
		return 1
	}
	if failed && *count > 0 {
		return 1
	}
	return 0
}

func describeConfig(cfg sspisample.Config) string {
	pkg, err := sspisample.ParsePackage(cfg.Package)
	if err != nil {
		pkg = cfg.Package
	}
	if pkg != sspisample.PackageNegotiate {
		return pkg
	}
	s := fmt.Sprintf("%s (engine %s, profile %s", pkg, cfg.Engine, cfg.Profile)
	if cfg.NoOptimisticToken {
		s += ", no optimistic token"
	}
	if len(cfg.Mechs) > 0 {
		names := make([]string, len(cfg.Mechs))
		for i, m := range cfg.Mechs {
			names[i] = m.MechName()
		}
		s += ", mechs " + strings.Join(names, ",")
	}
	return s + ")"
}

// printSide prints what one side learned: the transcript (with -v), the
// one-line mechListMIC verdict and the established context.
func printSide(w io.Writer, side string, f *sampleFlags, client, server *sspisample.Result) {
	res := client
	if res == nil {
		res = server
	}
	tr := res.Transcript
	if f.verbose && tr != nil {
		if f.asJSON {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(tr)
		} else {
			printTranscript(w, tr)
		}
	}
	if tr != nil && len(tr.Reports) > 0 {
		fmt.Fprintln(w, sspisample.VerdictLine(client, server))
	}
	if info := res.Info; info != nil {
		fmt.Fprintf(w, "%s: authenticated: mech %s, initiator %s, acceptor %s, per-message key %s\n",
			side, info.Mech.MechName(), orDash(info.InitiatorName), orDash(info.AcceptorName), keyDesc(info))
	}
}

func keyDesc(info *gss.SecContextInfo) string {
	if info.SessionKeyEnctype != gss.EnctypeUnknown {
		return info.SessionKeyEnctype.String()
	}
	if info.SessionKeyNote != "" {
		return "unknown (" + info.SessionKeyNote + ")"
	}
	return "unknown"
}

func sealedWord(sealed bool) string {
	if sealed {
		return "sealed"
	}
	return "NOT sealed"
}
