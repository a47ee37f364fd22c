//go:build !windows

package testrealm

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/internal/lab"
)

// One realm can serve a whole test binary, with the process environment
// pointing at it before the first GSS call. Heimdal keeps a krb5_context per
// thread that reads KRB5_CONFIG once, so per-test realms or per-test
// KRB5_CONFIG changes are not seen reliably there; a test that needs another
// environment runs itself in a child process (RunChild).
//
// A package opts in with
//
//	func TestMain(m *testing.M) { os.Exit(testrealm.Main(m)) }
//
// and its tests call Shared(t).
var (
	shared    *Realm
	sharedErr error = errNoMain
)

type mainError string

func (e mainError) Error() string { return string(e) }

const errNoMain = mainError("testrealm.Main was not called from TestMain")

const (
	childRealmEnv = "GSSNEGO_TESTREALM_CHILD"      // in a child: the shared realm as JSON
	childCaseEnv  = "GSSNEGO_TESTREALM_CHILD_CASE" // in a child: which case to run
)

// Main starts the shared realm (or, in a child, takes it from the parent),
// points the environment at it, hands it to each ready function (nil when
// the lab is missing: tests then end through Shared) and runs the tests.
func Main(m *testing.M, ready ...func(*Realm)) int {
	run := func() int {
		r := shared
		if sharedErr != nil {
			r = nil
		}
		for _, f := range ready {
			f(r)
		}
		return m.Run()
	}
	if js := os.Getenv(childRealmEnv); js != "" {
		shared = &Realm{}
		sharedErr = json.Unmarshal([]byte(js), shared)
		if sharedErr == nil {
			// The tools are not part of the JSON: a child that adds a
			// principal or a key (kadmin.local) finds them again.
			shared.tools, sharedErr = tools()
		}
		return run()
	}
	if _, err := tools(); err != nil {
		sharedErr = err
		return run()
	}
	dir, err := os.MkdirTemp("", "gssnego-realm-")
	if err != nil {
		sharedErr = err
		return run()
	}
	defer os.RemoveAll(dir)
	shared, sharedErr = Launch(dir)
	if shared != nil {
		defer shared.StopKDC()
	}
	if sharedErr == nil {
		lab.SetProcessEnv(shared.Env())
		os.Unsetenv("KRB5_TRACE")
	}
	return run()
}

// Shared returns the binary's realm, or ends the test via lab.Unavailable.
func Shared(tb testing.TB) *Realm {
	tb.Helper()
	if sharedErr != nil {
		lab.Unavailable(tb, "test realm: %v", sharedErr)
	}
	return shared
}

// RunChild runs the top-level test of tb again in a child test process with
// extra environment; there ChildCase reports caseName. It fails tb if the
// child fails or skips, and returns the child's output.
func RunChild(tb testing.TB, caseName string, env ...string) string {
	tb.Helper()
	r := Shared(tb)
	js, err := json.Marshal(r)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+strings.Split(tb.Name(), "/")[0]+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childRealmEnv+"="+string(js), childCaseEnv+"="+caseName)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child %s failed: %v\n%s", caseName, err, out)
	}
	if strings.Contains(string(out), "--- SKIP") {
		tb.Fatalf("child %s skipped:\n%s", caseName, out)
	}
	return string(out)
}

// ChildCase is the case this process was started for by RunChild, or "".
func ChildCase() string { return os.Getenv(childCaseEnv) }
