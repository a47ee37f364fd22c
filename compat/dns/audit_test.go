//go:build linux

package dnsgss_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gssnego/gssnego/capture"
	dnsgss "github.com/gssnego/gssnego/compat/dns"
	"github.com/gssnego/gssnego/internal/lab"
	"github.com/gssnego/gssnego/internal/pcaprec"
	"github.com/gssnego/gssnego/negotiate"
)

// TestAuditCapture records our client's GSS-TSIG updates to BIND (raw
// krb5 and SPNEGO) and nsupdate -g's to our Go server with tcpdump, and
// has gssnego's audit judge each TKEY exchange; tshark, told the ports
// are DNS, must see the TKEY frames the audit took the tokens from.
func TestAuditCapture(t *testing.T) {
	s := startBIND(t)
	z := startGoZone(t)
	_, goPort, _ := strings.Cut(z.addr, ":")
	rec := pcaprec.Start(t, t.TempDir(), "host 127.0.0.1")
	ctx := context.Background()
	for _, mech := range []dnsgss.Mechanism{dnsgss.Kerberos, dnsgss.SPNEGO} {
		c := bindClient(t, s, dnsgss.WithMechanism(mech))
		for i, ip := range []string{"192.0.2.1", "192.0.2.2"} {
			if _, err := c.Exchange(ctx, aUpdate(bindZone, "audit"+strconv.Itoa(int(mech))+".users."+bindZone, ip)); err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
		}
	}
	host, port, _ := strings.Cut(z.addr, ":")
	if out, err := nsupdate(t, "server "+host+" "+port+"\nzone "+goZoneName+"\nupdate add audit."+goZoneName+" 300 A 192.0.2.54\nsend\n"); err != nil {
		t.Fatalf("nsupdate: %v\n%s", err, out)
	}
	if err := rec.Sync("127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	path := rec.Stop()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := capture.Audit(f, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dnsEx []*capture.Exchange
	var frames []int
	for _, e := range res.Exchanges {
		v := e.Verdict()
		t.Logf("%s → %s carrier=%s mech=%q tokens=%d frames=%v result=%s complete=%v signed-after=%d",
			e.Client, e.Server, e.Carrier, e.Mech, len(e.Tokens), e.Frames, v.Result, v.Complete, e.Wrapped)
		if e.Carrier == "dns" {
			dnsEx = append(dnsEx, e)
			frames = append(frames, e.Frames...)
		}
	}
	if len(dnsEx) != 3 {
		t.Fatalf("%d DNS exchanges, want 3 (krb5 and SPNEGO to BIND, nsupdate to our server); warnings %v", len(dnsEx), res.Warnings)
	}
	for _, e := range dnsEx {
		v := e.Verdict()
		if e.Mech == "gss-tsig-krb5" {
			// Raw Kerberos in the TKEY: the inspector judges SPNEGO, and
			// says so.
			if v.Result != negotiate.ResultNotSPNEGO {
				t.Errorf("raw krb5 exchange %v → %v: result %s, want %s", e.Client, e.Server, v.Result, negotiate.ResultNotSPNEGO)
			}
		} else if !v.Complete || v.Result != negotiate.ResultOK {
			t.Errorf("exchange %v → %v: result %s (%s), complete %v", e.Client, e.Server, v.Result, v.Reason, v.Complete)
		}
		if bindSide := strings.HasSuffix(e.Server.String(), ":"+s.Port()); bindSide && e.Wrapped != 4 {
			// Our Client keeps the TKEY connection for its messages: two
			// updates, each signed and answered signed.
			t.Errorf("exchange %v → %v: %d signed messages after it, want 4", e.Client, e.Server, e.Wrapped)
		}
		if len(e.Tokens) != 2 {
			t.Errorf("exchange %v → %v: %d tokens, want 2 (AP-REQ, AP-REP)", e.Client, e.Server, len(e.Tokens))
		}
	}
	tshark, err := lab.LookPath("tshark")
	if err != nil {
		lab.Unavailable(t, "tshark: %v", err)
		return
	}
	out, err := exec.Command(tshark, "-n", "-r", path, "-d", "tcp.port=="+s.Port()+",dns", "-d", "tcp.port=="+goPort+",dns",
		"-Y", "dns.tkey.mode == 3 && dns.tkey.key_size > 0", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, out)
	}
	var shark []int
	for _, l := range strings.Fields(string(out)) {
		n, err := strconv.Atoi(l)
		if err != nil {
			t.Fatalf("tshark output %q", out)
		}
		shark = append(shark, n)
	}
	slices.Sort(frames)
	if !slices.Equal(frames, shark) {
		t.Errorf("audit took tokens from frames %v, tshark sees GSS TKEY key data in %v", frames, shark)
	}
}
