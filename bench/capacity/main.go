//go:build linux

// Command capacity measures the capacity of HTTP Negotiate servers, not of
// their clients: authenticated requests per second, latency, connection
// reuse and the server's own CPU time per request for our middleware
// (negotiate/httpauth) over MIT — the keytab file read per accept
// (gssnego), the keytab in memory (gssnego-memkt), the keytab in memory and
// MIT's replay cache off under gssnego's own in memory (gssnego-memkt-norc)
// —, our middleware over the
// pure-Go provider (purego), gokrb5's SPNEGO handler
// (spnego.SPNEGOKRB5Authenticate, what a Go user picks instead) and Apache
// httpd + mod_auth_gssapi, in the same run, against one throwaway MIT
// realm, all with its keytab and the service HTTP/localhost.
//
// The clients' Kerberos work is done before the timed phase: for each
// concurrency, -n+-warm initial SPNEGO tokens (NegTokenInit with an
// optimistic AP-REQ, each with its own authenticator) are made with our
// Go engine. Every server keeps its replay cache on and sees each token
// once (the servers' caches are separate, so the same pool serves all
// of them; gssnego's in-memory cache is httpauth.Server's default). The load phase only writes "GET / HTTP/1.1" with
// "Authorization: Negotiate <token>" over -c keep-alive connections (raw
// HTTP/1.1, a new connection when the server closes one) and counts
// anything but 200 as an error. Each server's share of the requests is
// sent in -rounds interleaved rounds, the order rotating, so that drift
// from the shared machine's other work falls on all three.
//
// Our server and gokrb5's run as child processes of this command (it
// re-executes itself with -serve), Apache as its own processes: the CPU
// time of each comes from /proc/PID/stat for its process group.
//
//	cd bench && go run ./capacity -c 16,64 -n 20000
//	cd bench && go run ./capacity -c 16,64 -n 20000 -servers gssnego-memkt-norc,purego,gokrb5,apache
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gssnego/gssnego/bench/internal/cmdtb"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
)

func main() {
	conc := flag.String("c", "16,64", "concurrent connections, comma-separated")
	n := flag.Int("n", 20000, "measured requests per server and concurrency (tokens made per concurrency)")
	rounds := flag.Int("rounds", 4, "interleaved rounds the requests are split into")
	warm := flag.Int("warm", 200, "unmeasured warm-up requests per server and concurrency")
	profile := flag.String("cpuprofile", "", "write our server's CPU profile to this file")
	serveKind := flag.String("serve", "", "internal: run one server (ours or gokrb5) in this process")
	keytab := flag.String("keytab", "", "internal: the keytab of -serve gokrb5")
	slots := flag.Int("slots", 0, "our servers' MaxConcurrentHandshakes (0: off, the default)")
	which := flag.String("servers", defaultServers, "servers to run, comma-separated")
	flag.Parse()
	if *slots > 0 {
		os.Setenv(slotsEnv, strconv.Itoa(*slots))
	}
	if *serveKind != "" {
		if err := serve(*serveKind, *keytab, *profile); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := benchmark(parseInts(*conc), strings.Split(*which, ","), *n, *rounds, *warm, *profile); err != nil {
		log.Fatal(err)
	}
}

// benchmark starts the realm and the servers, measures and prints; everything it
// started is stopped and removed before it returns.
func benchmark(conc []int, names []string, n, rounds, warm int, profile string) error {
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "gssnego-capacity")
	if err != nil {
		return err
	}
	tb := cmdtb.New("bench-capacity", dir)
	defer tb.Close()
	realm, err := testrealm.Launch(dir)
	if realm != nil {
		tb.Cleanup(realm.StopKDC)
	}
	if err != nil {
		return err
	}
	lab.SetProcessEnv(realm.Env())
	servers := startServers(tb, bin, realm, slices.Max(conc), profile, names)
	if len(servers) == 0 {
		return fmt.Errorf("capacity: no servers (Apache missing?)")
	}
	fmt.Printf("HTTP Negotiate server capacity, %s, GOMAXPROCS %d, %d CPUs, load average %s at start\n",
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), loadavg())
	fmt.Printf("%d measured requests per server and concurrency in %d interleaved rounds, %d warm-up\n\n", n, rounds, warm)
	var rows []row
	for _, c := range conc {
		rs, err := measure(servers, c, n, rounds, warm)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	fmt.Println()
	printTable(os.Stdout, rows)
	fmt.Printf("\nload average %s at the end\n", loadavg())
	return nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func parseInts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		out = append(out, n)
	}
	return out
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// progress goes to stderr, so that stdout is the report.
func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
}
