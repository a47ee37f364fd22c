//go:build linux

package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/gssnego/gssnego/internal/testrealm"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// The cost probe counts work per request without timing it, so that it
// can be compared on a shared machine: instructions (perf stat -e
// instructions:u) and system calls (strace -f -c) of one process that
// serves K pre-made tokens through one server's handler in memory (no
// sockets). Two runs with different K over the same token file give the
// per-request figure as the difference divided by the difference in K;
// start-up (loading the keytab, reading the tokens) cancels out.
//
// Step 1 makes the tokens with a throw-away realm and keeps what an
// acceptor needs (keytab, krb5.conf) next to them:
//
//	GSSNEGO_COST_DUMP=/tmp/cost go test -run TestCostProbe -count=1 ./capacity
//
// Step 2, per server (ours-memkt-norc, ours-memkt, ours, gokrb5) and K:
//
//	go test -c -o capacity.test ./capacity
//	KRB5_CONFIG=/tmp/cost/krb5.conf GSSNEGO_COST_PROBE=/tmp/cost,gokrb5,700 \
//	  GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off valgrind --tool=callgrind \
//	  ./capacity.test -test.run TestCostProbe
//
// (perf stat -e instructions:u where the machine exposes the counter.)
// The tokens must be used within the clock skew of being made.
const (
	costDumpEnv  = "GSSNEGO_COST_DUMP"
	costProbeEnv = "GSSNEGO_COST_PROBE"
)

func TestCostProbe(t *testing.T) {
	if dir := os.Getenv(costDumpEnv); dir != "" {
		costDump(t, dir)
		return
	}
	arg := os.Getenv(costProbeEnv)
	if arg == "" {
		t.Skipf("set %s or %s", costDumpEnv, costProbeEnv)
	}
	f := strings.Split(arg, ",")
	if len(f) != 3 {
		t.Fatalf("%s=%q: want dir,server,count", costProbeEnv, arg)
	}
	dir, kind := f[0], f[1]
	k, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	headers := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	if k > len(headers) {
		t.Fatalf("%d tokens in the file, %d asked", len(headers), k)
	}
	ktPath := "FILE:" + filepath.Join(dir, "keytab")
	var h http.Handler
	if kind == "gokrb5" {
		kt, err := keytab.Load(strings.TrimPrefix(ktPath, "FILE:"))
		if err != nil {
			t.Fatal(err)
		}
		h = spnego.SPNEGOKRB5Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := goidentity.FromHTTPRequestContext(r)
			io.WriteString(w, id.UserName()+"@"+id.Domain()+"\n")
		}), kt, service.DecodePAC(false))
	} else {
		t.Setenv("KRB5_KTNAME", ktPath)
		s, err := oursServer(kind, ktPath)
		if err != nil {
			t.Fatal(err)
		}
		h = s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, httpauth.Principal(r)+"\n")
		}))
	}
	for _, tok := range headers[:k] {
		req := httptest.NewRequest("GET", "http://localhost/", nil)
		req.Header.Set("Authorization", string(tok))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// costDump makes the probe's tokens (one file, a header value a line) and
// copies the realm's keytab and krb5.conf beside them.
func costDump(t *testing.T, dir string) {
	realm := testrealm.Start(t)
	realm.Setenv(t)
	p, err := platform.Provider()
	if err != nil {
		t.Fatal(err)
	}
	pool, err := makeTokens(p, "HTTP@localhost", 2500)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(strings.TrimPrefix(realm.Keytab, "FILE:"), "keytab")
	copyFile(realm.Krb5Conf, "krb5.conf")
	if err := os.WriteFile(filepath.Join(dir, "tokens"), append(bytes.Join(pool.headers, []byte("\n")), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}
