package sambadc

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// StepTimeout bounds how long Step waits for a helper's answer.
const StepTimeout = 20 * time.Second

// Helper is a running `ntlm_auth --helper-protocol=gss-spnego[-client]`:
// Samba's own SPNEGO (gensec) as a peer, driven one token at a time.
// It is not safe for concurrent use.
type Helper struct {
	Role string // "acceptor" or "initiator"
	Dir  string // the helper's smb.conf, ccache and log (ntlm_auth.log: its stderr; log.ntlm_auth: its debug log)

	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	r      *bufio.Reader
	first  bool
	done   bool
	once   sync.Once
}

// HelperOption changes how SpnegoAcceptor or SpnegoInitiator starts its
// helper.
type HelperOption func(*helperConfig)

type helperConfig struct {
	noKerberos bool
	conf       []string
}

// WithoutKerberos starts an initiator with no ticket cache, so it offers
// NTLMSSP only (gensec skips krb5 when it cannot import a credential).
func WithoutKerberos() HelperOption { return func(c *helperConfig) { c.noKerberos = true } }

// Conf adds smb.conf [global] lines to the helper's configuration, e.g.
// "gensec:gse_krb5 = no" (an acceptor without Kerberos: SPNEGO then falls
// back to NTLMSSP) or "gensec:ntlmssp = no".
func Conf(lines ...string) HelperOption {
	return func(c *helperConfig) { c.conf = append(c.conf, lines...) }
}

func helperOptions(opts []HelperOption) helperConfig {
	var c helperConfig
	for _, o := range opts {
		o(&c)
	}
	return c
}

// SpnegoAcceptor starts Samba's SPNEGO acceptor with the keys in keytab (a
// plain path, as AddService returns): Kerberos through the dedicated
// keytab, NTLMSSP through the DC's winbindd. It runs inside the DC's
// namespaces; tb.Cleanup stops it.
func (d *DC) SpnegoAcceptor(tb testing.TB, keytab string, opts ...HelperOption) *Helper {
	tb.Helper()
	cfg := helperOptions(opts)
	dir := d.helperDir(tb, "acceptor")
	conf := d.helperConf(tb, dir, append([]string{
		"security = ads",
		"kerberos method = dedicated keytab",
		"dedicated keytab file = FILE:" + keytab,
	}, cfg.conf...))
	return d.startHelper(tb, "acceptor", dir, nil, "--helper-protocol=gss-spnego", "--configfile="+conf)
}

// SpnegoInitiator starts Samba's SPNEGO initiator for service@host (e.g.
// "HTTP", "svc.samdom.test") as user. ntlm_auth does not kinit from the
// password itself (it only imports an existing ccache), so the harness
// gets user a TGT in the helper's own ccache first; the password also
// feeds NTLMSSP. Offered mechs: [MS-KRB5, krb5, NTLMSSP], or [NTLMSSP]
// WithoutKerberos. tb.Cleanup stops it.
func (d *DC) SpnegoInitiator(tb testing.TB, user, password, service, host string, opts ...HelperOption) *Helper {
	tb.Helper()
	cfg := helperOptions(opts)
	dir := d.helperDir(tb, "initiator")
	ccache := "FILE:" + filepath.Join(dir, "ccache")
	if !cfg.noKerberos {
		d.Kinit(tb, user, password, ccache)
	}
	conf := d.helperConf(tb, dir, cfg.conf)
	return d.startHelper(tb, "initiator", dir, []string{"KRB5CCNAME=" + ccache},
		"--helper-protocol=gss-spnego-client", "--configfile="+conf,
		"--username="+user, "--password="+password, "--domain="+d.Domain,
		"--target-service="+service, "--target-hostname="+host)
}

func (d *DC) helperDir(tb testing.TB, role string) string {
	tb.Helper()
	d.mu.Lock()
	d.helpers++
	n := d.helpers
	d.mu.Unlock()
	dir := filepath.Join(d.Dir, "helpers", fmt.Sprintf("%s%d", role, n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// helperConf writes a client smb.conf whose state lives in dir, so
// ntlm_auth touches neither the DC's databases nor /var/lib/samba.
func (d *DC) helperConf(tb testing.TB, dir string, extra []string) string {
	tb.Helper()
	conf := filepath.Join(dir, "smb.conf")
	text := fmt.Sprintf(`[global]
	realm = %s
	workgroup = %s
	private dir = %[3]s
	lock directory = %[3]s
	state directory = %[3]s
	cache directory = %[3]s
	log file = %[3]s/log.%%m
	max log size = 0
`, d.Realm, d.Domain, dir)
	for _, l := range extra {
		text += "\t" + l + "\n"
	}
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	return conf
}

func (d *DC) startHelper(tb testing.TB, role, dir string, env []string, args ...string) *Helper {
	tb.Helper()
	h := &Helper{Role: role, Dir: dir, first: true}
	inR, inW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "ntlm_auth.log"))
	if err != nil {
		tb.Fatal(err)
	}
	h.cmd = d.Command("ntlm_auth", args...)
	h.cmd.Env = append(h.cmd.Env, env...)
	h.cmd.Stdin, h.cmd.Stdout, h.cmd.Stderr = inR, outW, logf
	h.cmd.SysProcAttr = helperAttr()
	err = h.cmd.Start()
	inR.Close()
	outW.Close()
	logf.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		tb.Fatalf("sambadc: start ntlm_auth: %v", err)
	}
	h.stdin, h.stdout, h.r = inW, outR, bufio.NewReader(outR)
	tb.Cleanup(h.Close)
	return h
}

// Step sends the peer's token (nil for an initiator's first call) and
// reads one answer line. out is the token to pass on (nil when the helper
// sent none). done is true when the helper finished (AF): result is then
// the acceptor's authenticated "DOMAIN\user" (empty for an initiator).
// NA (authentication failed) and BH (broken helper) come back as an error
// holding the line; the helper is finished after them too.
//
// Wire protocol (source3/utils/ntlm_auth.c): the acceptor reads
// "YR <b64>" first and "KK <b64>" later, and answers "TT <b64> *",
// "AF <b64|*> DOMAIN\user", "NA * NT_STATUS_…" or "BH …"; the initiator
// reads "YR" first and "TT <b64>" later, and answers "YR <b64>",
// "KK <b64>", "AF <b64>" or "AF *".
func (h *Helper) Step(in []byte) (out []byte, done bool, result string, err error) {
	if h.done {
		return nil, true, "", errors.New("sambadc: Step after the helper finished")
	}
	var req string
	switch {
	case h.Role == "initiator" && h.first:
		if len(in) != 0 {
			return nil, false, "", errors.New("sambadc: an initiator's first Step takes no token")
		}
		req = "YR"
	case h.Role == "acceptor" && h.first:
		req = "YR " + base64.StdEncoding.EncodeToString(in)
	case h.Role == "acceptor":
		req = "KK " + base64.StdEncoding.EncodeToString(in)
	default:
		req = "TT " + base64.StdEncoding.EncodeToString(in)
	}
	h.first = false
	if _, err := fmt.Fprintf(h.stdin, "%s\n", req); err != nil {
		return nil, false, "", fmt.Errorf("sambadc: write to ntlm_auth %s: %w%s", h.Role, err, h.logTail())
	}
	_ = h.stdout.SetReadDeadline(time.Now().Add(StepTimeout))
	line, err := h.r.ReadString('\n')
	if err != nil {
		return nil, false, "", fmt.Errorf("sambadc: read from ntlm_auth %s: %w%s", h.Role, err, h.logTail())
	}
	return h.parse(strings.TrimRight(line, "\r\n"))
}

func (h *Helper) parse(line string) (out []byte, done bool, result string, err error) {
	fields := strings.SplitN(line, " ", 3)
	code := fields[0]
	var tok, rest string
	if len(fields) > 1 {
		tok = fields[1]
	}
	if len(fields) > 2 {
		rest = fields[2]
	}
	switch code {
	case "TT", "KK", "YR", "AF":
		if tok != "" && tok != "*" {
			out, err = base64.StdEncoding.DecodeString(tok)
			if err != nil {
				return nil, false, "", fmt.Errorf("sambadc: ntlm_auth %s sent a bad token in %q: %w", h.Role, line, err)
			}
		}
		if code != "AF" {
			return out, false, "", nil
		}
		h.done = true
		return out, true, rest, nil
	default: // NA, BH, anything unexpected
		h.done = true
		return nil, true, "", fmt.Errorf("sambadc: ntlm_auth %s: %s%s", h.Role, line, h.logTail())
	}
}

func (h *Helper) logTail() string {
	s := strings.TrimSpace(tailFile(filepath.Join(h.Dir, "ntlm_auth.log"), 10))
	if s == "" {
		return ""
	}
	return "\nntlm_auth stderr:\n" + s
}

// Close stops the helper (Start's cleanup calls it too).
func (h *Helper) Close() {
	h.once.Do(func() {
		h.stdin.Close()
		exited := make(chan struct{})
		go func() { _ = h.cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			killGroup(h.cmd.Process.Pid)
			<-exited
		}
		h.stdout.Close()
	})
}
