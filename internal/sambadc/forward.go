package sambadc

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// forwarder relays TCP connections from a host loopback port into the DC's
// network namespace. Each accepted connection is dialed anew inside the
// namespace (see inNetns), so the host side needs no routes or veth pairs.
type forwarder struct {
	ln   net.Listener
	udp  net.PacketConn // nil unless newForwarderUDP
	addr string

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newForwarder() (*forwarder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &forwarder{ln: ln, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}, nil
}

// newForwarderUDP is newForwarder with the same port open for UDP too
// (Heimdal clients send small KDC requests over UDP first).
func newForwarderUDP() (*forwarder, error) {
	for i := 0; i < 20; i++ {
		f, err := newForwarder()
		if err != nil {
			return nil, err
		}
		u, err := net.ListenPacket("udp", f.addr)
		if err == nil {
			f.udp = u
			return f, nil
		}
		f.ln.Close()
	}
	return nil, fmt.Errorf("no 127.0.0.1 port free for both TCP and UDP")
}

func (f *forwarder) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

// serve relays every accepted connection (and datagram) to target inside
// netns.
func (f *forwarder) serve(netns *os.File, target string) {
	if f.udp != nil {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.serveUDP(netns, target)
		}()
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := f.ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.relay(netns, c, target)
			}()
		}
	}()
}

// serveUDP relays each datagram as one request/response exchange, as
// Kerberos over UDP is.
func (f *forwarder) serveUDP(netns *os.File, target string) {
	buf := make([]byte, 65536)
	for {
		n, client, err := f.udp.ReadFrom(buf)
		if err != nil {
			return
		}
		req := append([]byte(nil), buf[:n]...)
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			var up net.Conn
			if inNetns(netns, func() error {
				var err error
				up, err = net.Dial("udp", target)
				return err
			}) != nil {
				return
			}
			defer up.Close()
			_ = up.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := up.Write(req); err != nil {
				return
			}
			resp := make([]byte, 65536)
			m, err := up.Read(resp)
			if err != nil {
				return
			}
			_, _ = f.udp.WriteTo(resp[:m], client)
		}()
	}
}

func (f *forwarder) relay(netns *os.File, c net.Conn, target string) {
	var up net.Conn
	err := inNetns(netns, func() error {
		var err error
		up, err = net.Dial("tcp", target)
		return err
	})
	if err != nil {
		c.Close()
		return
	}
	if !f.track(c, up) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
	f.untrack(c, up)
}

func (f *forwarder) track(cs ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		f.conns[c] = struct{}{}
	}
	return true
}

func (f *forwarder) untrack(cs ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(f.conns, c)
	}
}

// close stops accepting, cuts open connections and waits for the relays.
func (f *forwarder) close() {
	f.ln.Close()
	if f.udp != nil {
		f.udp.Close()
	}
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
}
