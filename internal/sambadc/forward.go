package sambadc

import (
	"io"
	"net"
	"os"
	"sync"
)

// forwarder relays TCP connections from a host loopback port into the DC's
// network namespace. Each accepted connection is dialed anew inside the
// namespace (see inNetns), so the host side needs no routes or veth pairs.
type forwarder struct {
	ln   net.Listener
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

func (f *forwarder) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

// serve relays every accepted connection to target inside netns.
func (f *forwarder) serve(netns *os.File, target string) {
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
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
}
