//go:build !windows

// Command demo is ci/demo.sh's program: it stands up a throwaway MIT realm
// on loopback, starts the SSPI sockets sample server (internal/sspisample),
// runs the sample client against it in three scenarios and prints each
// negotiation transcript with the inspector's mechListMIC verdicts, then
// tears everything down:
//
//  1. optimistic Kerberos: the AP-REQ rides in the first token, no MIC is due;
//  2. no optimistic token, mechTypes [ms-krb5, krb5, ntlm]: the extra leg
//     makes the MIC exchange due (Windows profile), both MICs verified;
//  3. scenario 2 through a man in the middle that strips the acceptor's
//     mechListMIC: the client refuses the context;
//  4. (with -gssnego) scenario 2 with the CLI's client and server;
//  5. and 6. scenarios 1 and 2 over HTTP Negotiate (negotiate/httpauth);
//  7. and 8. the double hop: a front end reaches a back end as the user with the
//     credential the user delegated (by policy: only to the service the KDC
//     marks ok-as-delegate);
//  9. (with -gssnego and tcpdump) `gssnego audit` of the demo's own traffic,
//     which tcpdump recorded on lo throughout: every exchange above, and
//     the one the man in the middle stripped flagged.
//
// The output's "verdict:" lines are stable (TestDemo checks them).
//
// ci/demo.sh passes -gssnego PATH, the freshly built CLI, for parts 4 and 9.
// Every demo server listens on one random address in 127.0.0.0/8 (all of
// it is loopback on Linux), so that the capture filter "host H" holds the
// demo's traffic and nothing else this machine sends over lo. The capture
// is a temporary file removed at exit unless -capture PATH (or
// GSSNEGO_DEMO_CAPTURE=PATH) keeps it. Without tcpdump the demo runs
// without part 9 and says "no tcpdump: capture skipped".
//
//	go run ./examples/demo          # needs krb5-kdc, krb5-admin-server, libkrb5-dev
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/mitm"
	"github.com/gssnego/gssnego/internal/samplerelay"
	"github.com/gssnego/gssnego/internal/sspisample"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/platform"
)

func main() {
	gssnego := flag.String("gssnego", "", "path of a gssnego binary: also run the CLI client and server, and audit the capture")
	keep := flag.String("capture", os.Getenv("GSSNEGO_DEMO_CAPTURE"), "keep the demo's packet capture (pcap) at this path (default $GSSNEGO_DEMO_CAPTURE; empty: a temporary file)")
	flag.Parse()
	if err := run(os.Stdout, *gssnego, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// demoHost is the loopback address every demo server listens on: one per
// run, so that tcpdump's filter can single out the demo's traffic.
var demoHost = fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))

// run is the whole demo; every scenario's outcome must be the expected one.
// gssnego, if not empty, is the CLI binary for the two-process part and
// the audit; keep, if not empty, is where the capture is kept.
func run(w io.Writer, gssnego, keep string) error {
	dir, err := os.MkdirTemp("", "gssnego-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r, err := testrealm.Launch(dir)
	if r != nil {
		defer r.StopKDC()
	}
	if err != nil {
		return fmt.Errorf("throwaway realm: %w (ci/install-deps.sh base installs the KDC)", err)
	}
	// Before the first GSS call: the libraries read these once.
	lab.SetProcessEnv(r.Env())
	fmt.Fprintf(w, "== realm %s: KDC %s, user %s, services %s and %s, all under %s\n",
		r.Name, r.KDCAddr, r.Principal(r.User), testrealm.ServiceHost, testrealm.ServiceHTTP, dir)
	stopCapture, cerr := startCapture(dir, demoHost)
	switch {
	case errors.Is(cerr, errNoTcpdump):
		fmt.Fprintln(w, "== no tcpdump: capture skipped (ci/install-deps.sh capture installs it)")
	case cerr != nil:
		fmt.Fprintf(w, "== capture skipped: %v\n", cerr)
	default:
		defer stopCapture()
		fmt.Fprintf(w, "== tcpdump records the demo's traffic on lo (host %s)\n", demoHost)
	}
	p, err := platform.Provider()
	if err != nil {
		return err
	}

	srvCfg := sspisample.Config{Provider: p}
	l, err := net.Listen("tcp", demoHost+":0")
	if err != nil {
		return err
	}
	served := make(chan outcome, 8)
	srv := &sspisample.Server{Config: srvCfg, Done: func(_ net.Addr, res *sspisample.Result, err error) {
		served <- outcome{res, err}
	}}
	stopped := make(chan error, 1)
	go func() { stopped <- srv.Serve(l) }()
	defer func() { l.Close(); <-stopped }()
	fmt.Fprintf(w, "== sample server on %s: package Negotiate, gssnego's Go SPNEGO, Windows mechListMIC profile, accepts %s\n",
		l.Addr(), mechNames(negotiate.DefaultMechs(p)))

	mechs := negotiate.DefaultMechs(p)
	scenarios := []scenario{
		{title: "1. optimistic Kerberos: the AP-REQ rides in the first token, no mechListMIC is due",
			cfg: sspisample.Config{Provider: p}, wantOK: true},
		{title: fmt.Sprintf("2. no optimistic token, mechTypes %s: the extra leg makes the MIC exchange due", mechNames(mechs)),
			cfg: sspisample.Config{Provider: p, Mechs: mechs, NoOptimisticToken: true}, wantOK: true},
		{title: "3. as 2, through a man in the middle that strips the acceptor's mechListMIC",
			cfg: sspisample.Config{Provider: p, Mechs: mechs, NoOptimisticToken: true}, attack: attack("strip-acceptor-mic")},
	}
	for _, sc := range scenarios {
		if err := sc.run(w, l.Addr().String(), served); err != nil {
			return err
		}
	}
	if gssnego != "" {
		if err := demoCLI(w, gssnego); err != nil {
			return fmt.Errorf("command-line client and server: %w", err)
		}
	}
	if err := demoHTTP(w, p); err != nil {
		return fmt.Errorf("HTTP Negotiate: %w", err)
	}
	if err := demoDoubleHop(w, p); err != nil {
		return fmt.Errorf("double hop: %w", err)
	}
	if stopCapture != nil {
		if err := demoAudit(w, stopCapture(), gssnego, keep); err != nil {
			return fmt.Errorf("audit of the capture: %w", err)
		}
	}
	fmt.Fprintln(w, "\n== done: servers stopped, KDC stopped, realm directory removed")
	return nil
}

// outcome is one side's result.
type outcome struct {
	res *sspisample.Result
	err error
}

type scenario struct {
	title  string
	cfg    sspisample.Config
	attack *mitm.Attack // nil: straight to the server
	wantOK bool
}

func (sc scenario) run(w io.Writer, addr string, served <-chan outcome) error {
	fmt.Fprintf(w, "\n== %s\n", sc.title)
	if sc.attack != nil {
		proxy, err := samplerelay.Start(demoHost, addr, *sc.attack)
		if err != nil {
			return err
		}
		defer proxy.Close()
		addr = proxy.Addr().String()
		fmt.Fprintf(w, "   (client → %s [mitm: %s] → server)\n", addr, sc.attack.Name)
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	cres, cerr := sspisample.Client(conn, "host@localhost", sc.cfg)
	var s outcome
	select {
	case s = <-served:
	case <-time.After(20 * time.Second):
		return errors.New("the server did not finish the connection")
	}
	if cres.Transcript != nil {
		fmt.Fprintln(w, "   client's transcript:")
		writeTranscript(w, cres.Transcript)
	}
	if s.res.Transcript != nil {
		fmt.Fprintln(w, "   server's transcript:")
		writeTranscript(w, s.res.Transcript)
	}
	fmt.Fprintln(w, sspisample.VerdictLine(cres, s.res))
	if cerr == nil && s.err == nil {
		fmt.Fprintf(w, "message: %q (sealed: %v; trailer %d bytes, ciphertext %d bytes)\n",
			cres.Message, cres.Sealed, cres.TrailerLen, cres.CiphertextLen)
	}
	if cerr != nil {
		fmt.Fprintf(w, "client: %v\n", cerr)
	}
	if s.err != nil {
		fmt.Fprintf(w, "server: %v\n", s.err)
	}
	switch {
	case sc.wantOK && (cerr != nil || s.err != nil):
		return fmt.Errorf("scenario %q failed", sc.title)
	case !sc.wantOK && cerr == nil:
		return fmt.Errorf("scenario %q: the client accepted a tampered exchange", sc.title)
	case !sc.wantOK:
		fmt.Fprintf(w, "result: attack detected, %s\n", micFailure(cerr))
	}
	return nil
}

func micFailure(err error) string {
	if mitm.MICFailure(err) {
		return "the client refused the context (mechListMIC failure)"
	}
	return "the client refused the context"
}

// writeTranscript prints one line per token and the policy's per-side view.
func writeTranscript(w io.Writer, tr *negotiate.Transcript) {
	for _, r := range tr.Reports {
		var parts []string
		if len(r.MechTypes) > 0 {
			names := make([]string, len(r.MechTypes))
			for i, m := range r.MechTypes {
				names[i] = m.Name
			}
			parts = append(parts, "mechTypes ["+strings.Join(names, ", ")+"]")
		}
		if r.NegState != "" {
			parts = append(parts, r.NegState)
		}
		if r.SupportedMech != nil {
			parts = append(parts, "supportedMech "+r.SupportedMech.Name)
		}
		if r.MechToken != nil {
			parts = append(parts, r.MechToken.Mech+" "+r.MechToken.Message)
		}
		if r.MIC != nil {
			parts = append(parts, fmt.Sprintf("mechListMIC %s (%s)", r.MIC.Format, r.MICCheck))
		}
		fmt.Fprintf(w, "     token %d %s %-12s %4d bytes  %s\n", r.Index, r.Direction, r.Kind, r.Length, strings.Join(parts, ", "))
	}
	v := tr.Verdict
	fmt.Fprintf(w, "     policy (%s): %s", v.Profile, v.Result)
	if v.Reason != "" {
		fmt.Fprintf(w, ": %s", v.Reason)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "       initiator MIC %s\n       acceptor MIC %s\n", v.Initiator, v.Acceptor)
}

func mechNames(mechs []gss.OID) string {
	names := make([]string, len(mechs))
	for i, m := range mechs {
		names[i] = m.MechName()
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func attack(name string) *mitm.Attack {
	for _, a := range mitm.Attacks() {
		if a.Name == name {
			return &a
		}
	}
	panic("demo: no attack " + name)
}
