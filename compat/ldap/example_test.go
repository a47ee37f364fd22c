package ldapgss_test

import (
	"fmt"
	"log"
	"net"

	"github.com/go-ldap/ldap/v3"

	ldapgss "github.com/gssnego/gssnego/compat/ldap"
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

	err = ldapgss.NewClient(ldapgss.WithConn(conn)).Bind(l, "ldap/dc1.example.com", "")
	if err != nil {
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
	if err := l.GSSAPIBind(ldapgss.NewClient(ldapgss.WithTLSConnectionState(cs)), "ldap/dc1.example.com", ""); err != nil {
		log.Fatal(err)
	}
}
