//go:build linux

package sshgss_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log"
	"net"

	"github.com/gssnego/gssnego/compat/ssh"
	"github.com/gssnego/gssnego/gss"
	"golang.org/x/crypto/ssh"
)

// A Go SSH server and a Go SSH client, both with Kerberos: the client logs
// in with the user's ticket (KRB5CCNAME), the server accepts with its
// keytab (KRB5_KTNAME, holding host/localhost) and lets alice@REALM in as
// alice. Either side works as well with OpenSSH on the other end.
func Example() {
	// Server: one sshgss.Server per connection, in a copy of the config.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := ssh.NewSignerFromKey(priv)
	base := &ssh.ServerConfig{}
	base.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	logins := make(chan string, 1)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			gssServer, err := sshgss.NewServer()
			if err != nil {
				log.Fatal(err)
			}
			cfg := *base
			cfg.GSSAPIWithMICConfig = &ssh.GSSAPIWithMICConfig{
				AllowLogin: sshgss.AllowSameUser("GSSNEGO.TEST"),
				Server:     gssServer,
			}
			go func() {
				sc, chans, reqs, err := ssh.NewServerConn(conn, &cfg)
				if err != nil {
					conn.Close()
					return
				}
				logins <- sc.Permissions.Extensions[sshgss.PrincipalExtension] + " logged in as " + sc.User()
				go ssh.DiscardRequests(reqs)
				for nc := range chans {
					nc.Reject(ssh.Prohibited, "example")
				}
			}()
		}
	}()

	// Client: x/crypto/ssh asks for host@<target>, here host@localhost.
	gssClient, err := sshgss.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	client, err := ssh.Dial("tcp", l.Addr().String(), &ssh.ClientConfig{
		User:            "alice",
		Auth:            []ssh.AuthMethod{ssh.GSSAPIWithMICAuthMethod(gssClient, "localhost")},
		HostKeyCallback: ssh.FixedHostKey(hostKey.PublicKey()),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	fmt.Println("server:", <-logins)
	fmt.Println("client: server authenticated:", gssClient.ContextInfo().Flags&gss.FlagMutual != 0)
	// Output:
	// server: alice@GSSNEGO.TEST logged in as alice
	// client: server authenticated: true
}
