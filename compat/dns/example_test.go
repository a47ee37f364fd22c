package dnsgss_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/miekg/dns"

	dnsgss "github.com/gssnego/gssnego/compat/dns"
)

// Add an A record to an Active Directory zone as the logged-on user (the
// ticket cache of kinit, KRB5CCNAME; the user's logon on Windows): the
// DC's DNS server wants GSS-TSIG, SPNEGO and the SPN DNS/<the DC's FQDN>.
func Example() {
	c, err := dnsgss.NewClient("dc1.example.com:53") // target DNS@dc1.example.com
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	m := new(dns.Msg)
	m.SetUpdate("example.com.")
	rr, err := dns.NewRR("app1.example.com. 3600 IN A 192.0.2.10")
	if err != nil {
		log.Fatal(err)
	}
	m.RemoveRRset([]dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "app1.example.com.", Rrtype: dns.TypeA}}})
	m.Insert([]dns.RR{rr})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Exchange(ctx, m); err != nil {
		// *dnsgss.Error: the step, and for Kerberos causes the fix
		// (errors.Is gss.ErrNoTicket: run kinit …); REFUSED: the
		// record's ACL does not let this user change it.
		log.Fatal(err)
	}
	fmt.Println("app1.example.com. updated")
}
