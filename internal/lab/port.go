package lab

import (
	"fmt"
	"net"
	"sync"
)

// Port is a loopback port held for a daemon that binds it itself (krb5kdc,
// slapd, httpd, postgres, squid, sshd, a program under Wine): none of them
// can take a listener from us, so the port stays bound here while the
// configuration is written and the daemon prepared, and is released only
// right before the daemon starts. What is left is the window between
// Release and the daemon's own bind, in which another process may take the
// port; the helpers that can tell a failed bind from other failures retry
// their start with a new port (apache, postgres, slapd and sshd do, three
// times), the others report the bind error. Asking the kernel for port 0
// and closing it at once, as each helper used to, left that window open
// for the whole preparation.
type Port struct {
	Num  int
	once sync.Once
	tcp  net.Listener
	udp  net.PacketConn
}

// ReservePort binds a free port on 127.0.0.1 for TCP, and for UDP too when
// udp is set (a KDC listens on both), and holds it until Release.
func ReservePort(udp bool) (*Port, error) {
	for i := 0; i < 20; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		p := &Port{Num: l.Addr().(*net.TCPAddr).Port, tcp: l}
		if !udp {
			return p, nil
		}
		if p.udp, err = net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p.Num)); err == nil {
			return p, nil
		}
		l.Close() // the UDP side is taken: another port
	}
	return nil, fmt.Errorf("lab: no loopback port free for both TCP and UDP")
}

// Addr is "127.0.0.1:<Num>".
func (p *Port) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.Num) }

// Release unbinds the port for the daemon; call it immediately before
// starting the daemon. It may be called more than once (defer it too, for
// the error paths).
func (p *Port) Release() {
	p.once.Do(func() {
		p.tcp.Close()
		if p.udp != nil {
			p.udp.Close()
		}
	})
}
