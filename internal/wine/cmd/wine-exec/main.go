//go:build linux

// Command wine-exec runs a Windows test binary under Wine against a
// throwaway MIT realm. It is the -exec wrapper of ci/wine.sh:
//
//	GOOS=windows go test -exec /path/to/wine-exec ./sspi_windows/
//
// It starts a realm (internal/testrealm), adds a service whose keytab entry
// is stale, exports the realm's KRB5_* variables (Wine's Kerberos package is
// a thin layer over the host's MIT libraries, which read them) and the lab
// facts for the tests (package internal/wine), runs `wine BINARY ARGS…` and
// exits with its status. Without the KDC tools it still runs the binary,
// without the lab variables, so the tests skip or fail as the lab policy
// says.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/internal/wine"
)

// staleSPN is the service whose key in the keytab is one kvno behind.
const staleSPN = "HTTP/stale.gssnego.test"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wine-exec BINARY.exe [ARGS…]")
		os.Exit(2)
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	env := os.Environ()
	if os.Getenv("WINEDEBUG") == "" {
		env = append(env, "WINEDEBUG=-all")
	}
	dir, err := os.MkdirTemp("", "gssnego-wine-realm-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "wine-exec:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	r, err := testrealm.Launch(dir)
	if r != nil {
		defer r.StopKDC()
	}
	if err == nil {
		err = addStaleService(r)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "wine-exec: no realm for the Windows tests: %v\n", err)
		return runWine(args, env)
	}
	l := labFor(r)
	rc := runWine(args, append(append(env, r.Env()...), l.Environ()...))
	if !selects(args, singleEtypeTest) || !contains(args[0], singleEtypeTest) {
		return rc
	}
	for _, e := range singleEtypes {
		pass, err := singleEtypeEnv(r, e)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wine-exec: %v pass: %v\n", e, err)
			return 1
		}
		l.OnlyEtype = int32(e)
		passArgs := append(withoutRun(args), "-test.run=^"+singleEtypeTest+"$")
		// Later entries win: pass overrides KRB5_CONFIG and KRB5CCNAME.
		passEnv := append(append(append(env, r.Env()...), pass...), l.Environ()...)
		if prc := runWine(passArgs, passEnv); prc != 0 {
			rc = prc
		}
	}
	return rc
}

// singleEtypeTest runs once more per etype in singleEtypes with every key
// of the realm's configuration limited to that etype, so the acceptor
// subkey and the per-message tokens are of that etype too (otherwise MIT
// picks an aes256-cts-hmac-sha1-96 subkey whatever the ticket).
const singleEtypeTest = "TestKerberosSingleEtype"

var singleEtypes = []gss.Enctype{gss.EnctypeRC4HMAC, gss.EnctypeAES256SHA384}

// singleEtypeEnv writes a krb5.conf limited to e, gets a TGT with it into
// its own cache and returns the KRB5_* variables that select both.
func singleEtypeEnv(r *testrealm.Realm, e gss.Enctype) ([]string, error) {
	conf, err := os.ReadFile(r.Krb5Conf)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(conf), "\n") {
		key := strings.TrimSpace(strings.SplitN(line, "=", 2)[0])
		switch key {
		case "permitted_enctypes", "default_tgs_enctypes", "default_tkt_enctypes":
			line = "\t" + key + " = " + e.String()
		}
		out = append(out, line)
	}
	path := filepath.Join(r.Dir, "krb5-"+e.String()+".conf")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		return nil, err
	}
	env := []string{"KRB5_CONFIG=" + path, "KRB5CCNAME=FILE:" + filepath.Join(r.Dir, "ccache-"+e.String())}
	kinit, err := lab.LookPath("kinit")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(kinit, r.Principal(r.User))
	cmd.Env = append(append(os.Environ(), r.Env()...), env...)
	cmd.Stdin = strings.NewReader(r.Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("kinit: %v: %s", err, out)
	}
	return env, nil
}

// selects reports whether the test binary's -test.run (if any) selects name.
func selects(args []string, name string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-test.list") || strings.HasPrefix(a, "-test.bench") {
			return false
		}
		if v, ok := strings.CutPrefix(a, "-test.run="); ok {
			m, err := regexp.MatchString(strings.Split(v, "/")[0], name)
			return err == nil && m
		}
	}
	return true
}

// contains reports whether the binary at path holds the test name s (test
// names are in every test binary's data), so the extra passes run only for
// the package that has the test.
func contains(path, s string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.Contains(b, []byte(s))
}

func withoutRun(args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-test.run=") {
			out = append(out, a)
		}
	}
	return out
}

// runWine runs wine with its output relayed through pipes this process
// owns. Wine's helper processes (services.exe, winedevice.exe, …) inherit
// the test binary's stdio and outlive it; handing them go test's own pipes
// would make go test wait for them ("Test I/O incomplete"). Here the relay
// stops shortly after the test binary itself has exited.
func runWine(args, env []string) int {
	cmd := exec.Command("wine", args...)
	cmd.Env = env
	for _, dst := range []*os.File{os.Stdout, os.Stderr} {
		pr, pw, err := os.Pipe()
		if err != nil {
			fmt.Fprintln(os.Stderr, "wine-exec:", err)
			return 1
		}
		defer pr.Close()
		if dst == os.Stdout {
			cmd.Stdout = pw
		} else {
			cmd.Stderr = pw
		}
		done := make(chan struct{})
		go func() { _, _ = io.Copy(dst, pr); close(done) }()
		defer func() {
			_ = pr.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			<-done
		}()
		defer pw.Close()
	}
	err := cmd.Start()
	if err == nil {
		cmd.Stdout.(*os.File).Close()
		cmd.Stderr.(*os.File).Close()
		err = cmd.Wait()
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "wine-exec:", err)
		return 1
	}
	return 0
}

func labFor(r *testrealm.Realm) *wine.Lab {
	l := &wine.Lab{
		Realm: r.Name, User: r.User, Password: r.Password,
		// Wine compares SPNs case-sensitively: host/…, not HOST/….
		SPN: testrealm.ServiceHost, SPN2: testrealm.ServiceHTTP,
		StaleSPN: staleSPN, ViaRunner: true, EtypeSPNs: map[int32]string{},
	}
	for _, e := range testrealm.LabEtypes {
		l.EtypeSPNs[int32(e)] = r.EtypeService(e)
	}
	return l
}

// addStaleService creates staleSPN, exports its key, then changes the key
// in the KDC only: tickets for it are encrypted with a key the keytab lacks.
func addStaleService(r *testrealm.Realm) error {
	kadmin, err := lab.LookPath("kadmin.local")
	if err != nil {
		return err
	}
	kt := strings.TrimPrefix(r.Keytab, "FILE:")
	script := fmt.Sprintf("addprinc -randkey -e %[3]s:normal %[1]s\nktadd -k %[2]s -norandkey %[1]s\ncpw -randkey -e %[3]s:normal %[1]s\n",
		staleSPN, kt, gss.EnctypeAES256SHA1)
	cmd := exec.Command(kadmin, "-r", r.Name)
	cmd.Env = append(os.Environ(), r.Env()...)
	cmd.Dir = r.Dir
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kadmin.local: %v: %s", err, out)
	}
	return nil
}
