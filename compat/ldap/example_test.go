package ldapgss_test

import (
	"fmt"
	"log"
	"net"

	"github.com/go-ldap/ldap/v3"

	ldapgss "github.com/gssnego/gssnego/compat/ldap"
	"github.com/gssnego/gssnego/gss"
	"github.com/gssnego/gssnego/platform"
)

// A signed and sealed session on plain LDAP (what Active Directory's
// "LDAP signing required" asks for): the connection goes through a Conn,
// and the bind is one line. Needs a Kerberos ticket (kinit) and a server,
// so it is only compiled; TestSlapd runs the same code against slapd.
func Example() {
	raw, err := net.Dial("tcp", "dc1.example.com:389")
	if err != nil {
		log.Fatal(err)
	}
	conn := ldapgss.NewConn(raw)
	l := ldap.NewConn(conn, false)
	l.Start()
	defer l.Close()

	c, err := ldapgss.NewClient(ldapgss.WithConn(conn))
	if err != nil {
		log.Fatal(err) // no GSS provider in this build
	}
	if err := c.Bind(l, "ldap/dc1.example.com", ""); err != nil {
		log.Fatal(err) // a *ldapgss.BindError naming the step
	}
	fmt.Println("layer:", conn.Layer()) // confidentiality when the server offers it

	res, err := l.Search(ldap.NewSearchRequest("dc=example,dc=com", ldap.ScopeWholeSubtree,
		ldap.NeverDerefAliases, 0, 0, false, "(sAMAccountName=alice)", []string{"cn"}, nil))
	if err != nil {
		log.Fatal(err)
	}
	res.Print()
}

// LDAPS with channel bindings (tls-server-end-point), no SASL layer inside
// TLS. go-ldap's own GSSAPIBind works as well as Client.Bind.
func Example_ldaps() {
	l, err := ldap.DialURL("ldaps://dc1.example.com:636")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	cs, _ := l.TLSConnectionState()
	c, err := ldapgss.NewClient(ldapgss.WithTLSConnectionState(cs))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.GSSAPIBind(c, "ldap/dc1.example.com", ""); err != nil {
		log.Fatal(err)
	}
}

// Credentials other than the default (KRB5CCNAME's cache; the logged-on
// user on Windows): acquire one from the provider — from another ccache,
// from a client keytab or with a password — and pass it with
// WithCredential. The caller keeps it and releases it after the binds.
func ExampleWithCredential() {
	p, err := platform.Provider()
	if err != nil {
		log.Fatal(err)
	}
	// Another credential cache:
	cred, err := p.AcquireCredential(nil, nil, gss.CredInitiateOnly, gss.WithCCache("FILE:/var/lib/app/krb5cc"))
	// or a client keytab (the principal's keys; the library gets the TGT):
	//   user, _ := p.ImportName("app@EXAMPLE.COM", gss.NameUserName)
	//   cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithClientKeytab("FILE:/etc/app.keytab"))
	// or a password:
	//   cred, err := p.AcquireCredential(user, nil, gss.CredInitiateOnly, gss.WithPassword(password))
	if err != nil {
		log.Fatal(err)
	}
	defer cred.Release()

	l, err := ldap.DialURL("ldaps://dc1.example.com:636")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	cs, _ := l.TLSConnectionState()
	c, err := ldapgss.NewClient(ldapgss.WithCredential(cred), ldapgss.WithTLSConnectionState(cs))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Bind(l, "ldap/dc1.example.com", ""); err != nil {
		log.Fatal(err)
	}
}
