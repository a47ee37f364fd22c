package sambadc

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gssnego/gssnego/internal/lab"
)

// TestSambaDC starts one DC (a few seconds) and checks everything the
// harness offers against it.
func TestSambaDC(t *testing.T) {
	d := Start(t)
	klist := lab.NeedCommand(t, "kvno", "klist")
	d.AddUser(t, "bob", "Bob-Pa55word")
	aesKeytab := d.AddService(t, "HTTP/svc.samdom.test", true)
	rc4Keytab := d.AddService(t, "HTTP/legacy.samdom.test", false)

	t.Run("KerberosTickets", func(t *testing.T) {
		ccache := "FILE:" + filepath.Join(t.TempDir(), "cc")
		d.Kinit(t, "bob", "Bob-Pa55word", ccache)
		env := append(os.Environ(), d.Env()...)
		env = append(env, "KRB5CCNAME="+ccache)
		for _, spn := range []string{"HTTP/svc.samdom.test", "HTTP/legacy.samdom.test"} {
			out, err := command(env, klist[0], spn).CombinedOutput()
			require.NoError(t, err, "kvno %s: %s", spn, out)
		}
		out, err := command(env, klist[1], "-e").CombinedOutput()
		require.NoError(t, err, "%s", out)
		listing := string(out)
		// "Etype (skey, tkt): <session>, <ticket>" follows each ticket.
		assert.Contains(t, after(listing, "HTTP/svc.samdom.test"), "aes256-cts-hmac-sha1-96, aes256-cts-hmac-sha1-96")
		// klist 1.20 prints RC4 as "DEPRECATED:arcfour-hmac".
		assert.Regexp(t, `aes256-cts-hmac-sha1-96, (DEPRECATED:)?arcfour-hmac`, after(listing, "HTTP/legacy.samdom.test"))

		tickets, err := ccacheTickets(strings.TrimPrefix(ccache, "FILE:"))
		require.NoError(t, err)
		require.Contains(t, tickets, "HTTP/svc.samdom.test@SAMDOM.TEST")
		// A ticket without authorization data is ~300 bytes; AD adds a PAC.
		assert.Greater(t, tickets["HTTP/svc.samdom.test@SAMDOM.TEST"], 700, "ticket size")
		t.Logf("ticket sizes: %v", tickets)

		for kt, want := range map[string]string{aesKeytab: "aes256-cts-hmac-sha1-96", rc4Keytab: "arcfour-hmac"} {
			out, err := command(env, klist[1], "-ke", kt).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), want, kt)
		}
	})

	t.Run("SpnegoKerberos", func(t *testing.T) {
		ini := d.SpnegoInitiator(t, "bob", "Bob-Pa55word", "HTTP", "svc.samdom.test")
		acc := d.SpnegoAcceptor(t, aesKeytab)
		tokens, user := exchange(t, ini, acc)
		assert.Equal(t, `SAMDOM\bob`, user)
		require.GreaterOrEqual(t, len(tokens), 2)
		assert.Equal(t, byte(0x60), tokens[0][0], "NegTokenInit is GSS-framed")
		assert.Equal(t, byte(0xa1), tokens[1][0], "NegTokenResp")
		t.Logf("Kerberos: %d tokens, sizes %v", len(tokens), sizes(tokens))
	})

	t.Run("SpnegoNTLM", func(t *testing.T) {
		ini := d.SpnegoInitiator(t, "bob", "Bob-Pa55word", "HTTP", "svc.samdom.test", WithoutKerberos())
		acc := d.SpnegoAcceptor(t, aesKeytab)
		tokens, user := exchange(t, ini, acc)
		assert.Equal(t, `SAMDOM\bob`, user)
		require.GreaterOrEqual(t, len(tokens), 3)
		assert.Equal(t, byte(0x60), tokens[0][0])
		for _, tok := range tokens[1:] {
			assert.Equal(t, byte(0xa1), tok[0])
		}
		t.Logf("NTLM: %d tokens, sizes %v", len(tokens), sizes(tokens))
	})

	t.Run("SpnegoFallbackToNTLM", func(t *testing.T) {
		// The initiator's first choice (MS-KRB5, with an optimistic AP-REQ)
		// is refused: SPNEGO must fall back to NTLMSSP.
		ini := d.SpnegoInitiator(t, "bob", "Bob-Pa55word", "HTTP", "svc.samdom.test")
		acc := d.SpnegoAcceptor(t, aesKeytab, Conf("gensec:gse_krb5 = no"))
		tokens, user := exchange(t, ini, acc)
		assert.Equal(t, `SAMDOM\bob`, user)
		assert.Greater(t, len(tokens), 4)
		t.Logf("fallback: %d tokens, sizes %v", len(tokens), sizes(tokens))
	})

	t.Run("SpnegoWrongPassword", func(t *testing.T) {
		ini := d.SpnegoInitiator(t, "bob", "Wrong-Pa55word", "HTTP", "svc.samdom.test", WithoutKerberos())
		acc := d.SpnegoAcceptor(t, aesKeytab)
		out, _, _, err := ini.Step(nil)
		require.NoError(t, err)
		for i := 0; i < 4; i++ {
			var done bool
			out, done, _, err = acc.Step(out)
			if err != nil || done {
				break
			}
			out, _, _, err = ini.Step(out)
			require.NoError(t, err)
		}
		require.Error(t, err)
		assert.Contains(t, err.Error(), "NT_STATUS_")
	})

	t.Run("DCServicePrincipals", func(t *testing.T) {
		ccache := "FILE:" + filepath.Join(t.TempDir(), "cc")
		d.Kinit(t, "administrator", d.AdminPassword, ccache)
		env := append(os.Environ(), d.Env()...)
		out, err := command(append(env, "KRB5CCNAME="+ccache), klist[0],
			"ldap/dc1.samdom.test", "host/dc1.samdom.test", "cifs/dc1.samdom.test").CombinedOutput()
		require.NoError(t, err, "%s", out)
	})

	t.Run("KDCOverUDP", func(t *testing.T) {
		conf, err := os.ReadFile(d.Krb5Conf)
		require.NoError(t, err)
		udpConf := filepath.Join(t.TempDir(), "krb5.conf")
		require.NoError(t, os.WriteFile(udpConf,
			[]byte(strings.Replace(string(conf), "udp_preference_limit = 1\n", "udp_preference_limit = 65535\n", 1)), 0o644))
		kinit := lab.NeedCommand(t, "kinit")[0]
		cmd := command(append(os.Environ(), "KRB5_CONFIG="+udpConf, "KRB5_TRACE=/dev/stderr"),
			kinit, "-c", "FILE:"+filepath.Join(t.TempDir(), "cc"), d.Principal("bob"))
		cmd.Stdin = strings.NewReader("Bob-Pa55word\n")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "Received answer", "%s", out)
		assert.Contains(t, string(out), "from dgram "+d.KDCAddr, "%s", out)
	})

	t.Run("ForwardLDAP", func(t *testing.T) {
		ldapsearch := lab.NeedCommand(t, "ldapsearch")[0]
		addr := d.Forward(t, 389)
		out, err := command(os.Environ(), ldapsearch, "-x", "-LLL", "-H", "ldap://"+addr,
			"-b", "", "-s", "base", "supportedSASLMechanisms").CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "supportedSASLMechanisms: GSS-SPNEGO")
	})

	t.Run("CommandSeesDC", func(t *testing.T) {
		out, err := d.Command("wbinfo", "-u").CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "bob")
	})
}

// exchange pipes tokens between an initiator and an acceptor helper until
// both finish; it returns every token in wire order and the acceptor's user.
func exchange(t *testing.T, ini, acc *Helper) (tokens [][]byte, user string) {
	t.Helper()
	out, done, _, err := ini.Step(nil)
	require.NoError(t, err)
	require.False(t, done)
	for i := 0; i < 10; i++ {
		tokens = append(tokens, out)
		var accDone bool
		out, accDone, user, err = acc.Step(out)
		require.NoError(t, err)
		if out != nil {
			tokens = append(tokens, out)
		}
		if accDone {
			if out != nil {
				// The initiator checks the last token (mutual authentication).
				_, iniDone, _, err := ini.Step(out)
				require.NoError(t, err)
				assert.True(t, iniDone, "initiator finished")
			}
			return tokens, user
		}
		out, done, _, err = ini.Step(out)
		require.NoError(t, err)
		require.False(t, done, "initiator finished before the acceptor")
	}
	t.Fatal("no result after 10 rounds")
	return nil, ""
}

func sizes(tokens [][]byte) []int {
	s := make([]int, len(tokens))
	for i, t := range tokens {
		s[i] = len(t)
	}
	return s
}

func command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = lab.PeerEnv(env)
	return cmd
}

// after returns the two lines from the one naming sub.
func after(s, sub string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.Contains(l, sub) && i+1 < len(lines) {
			return l + "\n" + lines[i+1]
		}
	}
	return ""
}

// ccacheTickets reads an MIT FILE ccache (format 0x0504) and returns the
// size of each credential's ticket by server principal.
func ccacheTickets(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &reader{b: b}
	if r.u16() != 0x0504 {
		return nil, errors.New("not a v4 ccache")
	}
	r.skip(int(r.u16())) // header tags
	r.principal()        // default principal
	tickets := map[string]int{}
	for r.err == nil && len(r.b) > 0 {
		r.principal() // client
		server := r.principal()
		r.u16()                                        // keyblock enctype
		r.data()                                       // key
		r.skip(16)                                     // authtime, starttime, endtime, renew_till
		r.skip(1)                                      // is_skey
		r.skip(4)                                      // ticket flags
		for n := r.u32(); n > 0 && r.err == nil; n-- { // addresses
			r.u16()
			r.data()
		}
		for n := r.u32(); n > 0 && r.err == nil; n-- { // authdata
			r.u16()
			r.data()
		}
		ticket := r.data()
		r.data() // second ticket
		if r.err == nil {
			tickets[server] = len(ticket)
		}
	}
	return tickets, r.err
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) skip(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errors.New("truncated ccache")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u16() int {
	v := r.skip(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

func (r *reader) u32() int {
	v := r.skip(4)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint32(v))
}

func (r *reader) data() []byte { return r.skip(r.u32()) }

func (r *reader) principal() string {
	r.u32() // name type
	n := r.u32()
	realm := string(r.data())
	var comps []string
	for ; n > 0 && r.err == nil; n-- {
		comps = append(comps, string(r.data()))
	}
	return strings.Join(comps, "/") + "@" + realm
}
