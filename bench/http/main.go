//go:build linux

// Command http is the HTTP Negotiate load generator: authenticated
// requests per second against negotiate/httpauth's middleware and against
// Apache httpd + mod_auth_gssapi, started side by side on loopback with one
// throwaway MIT realm, in the same run.
//
// Scenarios, each with every concurrency of -c (one keep-alive connection
// per client):
//
//	fresh  every request carries a fresh AP-REQ (Transport.Preemptive) and
//	       gets 200 + AP-REP, which the client verifies: one full context per
//	       request on each side. Kerberos replay caches reject a reused
//	       AP-REQ, so tokens cannot be precomputed: the load generator's
//	       clients make them, and their cost is part of the number.
//	reuse  the connection authenticates once (401, token, 200), then its
//	       requests carry no token: Server.ConnectionAuth for ours,
//	       GssapiConnectionBound On for Apache.
//
// Then the memory held per incomplete exchange in our server.
//
//	cd bench && go run ./http -c 32,64 -n 3000 -d 10s -mem 2000
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gssnego/gssnego/bench/internal/cmdtb"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/internal/apache"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

func main() {
	conc := flag.String("c", "32,64", "concurrent clients, comma-separated")
	maxN := flag.Int("n", 3000, "requests per run at most")
	maxD := flag.Duration("d", 10*time.Second, "duration per run at most")
	memN := flag.Int("mem", 2000, "incomplete exchanges held for the memory measurement (0: skip)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "gssnego-bench-http")
	check(err)
	tb := cmdtb.New("bench-http", dir)
	defer tb.Close()
	realm, err := testrealm.Launch(dir)
	check(err)
	tb.Cleanup(realm.StopKDC)
	lab.SetProcessEnv(realm.Env())
	p, err := platform.Provider()
	check(err)

	servers := []struct {
		name, url, reuseURL string
	}{
		{"gssnego", ours(p, false), ours(p, true)},
		{"apache", apache.Start(tb, realm, apache.AllowedMechs("krb5")).URL,
			apache.Start(tb, realm, apache.AllowedMechs("krb5"), apache.Directives("GssapiConnectionBound On")).URL},
	}
	fmt.Printf("HTTP Negotiate load, %s, GOMAXPROCS %d, %d requests or %v per run\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *maxN, *maxD)
	fmt.Println("| scenario | clients | server | req/s | p50 | p99 | errors |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, c := range parseInts(*conc) {
		for _, sc := range []string{"fresh", "reuse"} {
			for _, s := range servers {
				u := s.url
				if sc == "reuse" {
					u = s.reuseURL
				}
				r := load(p, u, sc == "fresh", c, *maxN, *maxD)
				fmt.Printf("| %s | %d | %s | %.0f | %v | %v | %d |\n", sc, c, s.name, r.rps, r.p50, r.p99, r.errs)
				if r.firstErr != nil {
					fmt.Fprintf(os.Stderr, "  first error: %v\n", r.firstErr)
				}
			}
		}
	}
	if *memN > 0 {
		fmt.Println()
		memory(p, *memN)
	}
}

// ours starts the middleware on a loopback port and returns its URL.
func ours(p gss.Provider, connAuth bool) string {
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}, ConnectionAuth: connAuth}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	hs := &http.Server{Handler: s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, httpauth.Principal(r)+"\n")
	})), ReadHeaderTimeout: 10 * time.Second}
	s.Install(hs)
	go hs.Serve(ln)
	return "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/"
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errs     int64
	firstErr error
}

// load runs clients goroutines, each with its own keep-alive connection,
// until n requests or d have passed.
func load(p gss.Provider, url string, fresh bool, clients, n int, d time.Duration) result {
	var (
		next     atomic.Int64
		errs     atomic.Int64
		firstErr error
		mu       sync.Mutex
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1,
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					_, port, _ := net.SplitHostPort(addr)
					return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
				}}
			defer base.CloseIdleConnections()
			client := &http.Client{Transport: &httpauth.Transport{Base: base, Affinity: httpauth.AffinityBase,
				Preemptive: fresh, Config: negotiate.Config{Provider: p}}}
			var mine []time.Duration
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				t0 := time.Now()
				err := get(client, url)
				if err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						firstErr = err
						mu.Unlock()
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lat)
	r := result{rps: float64(len(lat)) / el.Seconds(), errs: errs.Load(), firstErr: firstErr}
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2].Round(10 * time.Microsecond)
		r.p99 = lat[len(lat)*99/100].Round(10 * time.Microsecond)
	}
	return r
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "alice@") {
		return fmt.Errorf("status %d, body %.60q", resp.StatusCode, body)
	}
	return nil
}

// memory measures what our server holds per incomplete exchange: n
// exchanges left after the first leg (NegTokenInit without mechanism token
// answered accept-incomplete: no Kerberos context yet), then n left after
// the second leg (AP-REQ accepted, AP-REP + mechListMIC sent, the client's
// MIC awaited: an established MIT krb5 context, C memory included).
func memory(p gss.Provider, n int) {
	name, err := p.ImportName("HTTP@localhost", gss.NameHostBasedService)
	check(err)
	defer name.Release()
	for _, legs := range []int{1, 2} {
		s := &httpauth.Server{Config: negotiate.Config{Provider: p}, MaxPending: n + 1, PendingTimeout: time.Hour}
		h := s.Middleware(http.NotFoundHandler())
		before := snapshot()
		for i := range n {
			c, err := negotiate.NewClient(name, negotiate.Config{Provider: p, NoOptimisticToken: true})
			check(err)
			var in []byte
			for range legs {
				out, err := c.Continue(in)
				check(err)
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/", nil)
				req.RemoteAddr = "10.0.0.1:" + strconv.Itoa(i)
				req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(out))
				h.ServeHTTP(rec, req)
				if rec.Code != 401 {
					log.Fatalf("leg answered %d", rec.Code)
				}
				in, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(rec.Header().Get("Www-Authenticate"), "Negotiate "))
				check(err)
			}
			c.Close()
		}
		after := snapshot()
		if s.Pending() != n {
			log.Fatalf("%d pending, want %d", s.Pending(), n)
		}
		fmt.Printf("incomplete exchanges after leg %d: %d held; Go heap %+.1f KiB each, RSS %+.1f KiB each\n",
			legs, n, float64(after.heap-before.heap)/float64(n)/1024, float64(after.rss-before.rss)/float64(n)/1024)
		runtime.KeepAlive(h)
	}
}

type mem struct{ heap, rss int64 }

func snapshot() mem {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{int64(ms.HeapAlloc), rss()}
}

// rss reads VmRSS from /proc/self/status, in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
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
