//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// run is what one pass of tokens through one server measured.
type run struct {
	ok, errs      int
	conns, reused int // TCP connections opened; requests answered on a connection that had served one before
	retried       int // requests sent again after the server closed a reused connection without answering
	lat           []time.Duration
	elapsed       time.Duration
	firstErr      string
}

func (r *run) add(o run) {
	r.ok += o.ok
	r.errs += o.errs
	r.conns += o.conns
	r.reused += o.reused
	r.retried += o.retried
	r.lat = append(r.lat, o.lat...)
	r.elapsed += o.elapsed
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
}

// drive sends one GET per header over conns connections, each owned by one
// goroutine that sends its next request when the last response has been
// read (HTTP/1.1 keep-alive; a new connection when the server closes one).
// Every answer but 200 is an error, as is a broken connection (its token
// is then lost: the server may have consumed it).
func drive(addr, host string, headers [][]byte, conns int) run {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		total run
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine run
			mine.lat = make([]time.Duration, 0, len(headers)/conns+1)
			c := &client{addr: addr, host: host}
			defer c.close()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(headers)) {
					break
				}
				t0 := time.Now()
				status, err := c.get(headers[i], &mine)
				switch {
				case err != nil:
					mine.errs++
					if mine.firstErr == "" {
						mine.firstErr = err.Error()
					}
				case status != http.StatusOK:
					mine.errs++
					if mine.firstErr == "" {
						mine.firstErr = fmt.Sprintf("status %d", status)
					}
				default:
					mine.ok++
					mine.lat = append(mine.lat, time.Since(t0))
				}
			}
			mu.Lock()
			total.add(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

// client is one raw HTTP/1.1 connection: no http.Transport, no pool.
type client struct {
	addr, host string
	conn       net.Conn
	br         *bufio.Reader
	buf        []byte
	served     int // requests answered on conn
}

var getReq = &http.Request{Method: http.MethodGet}

// get sends GET / with the Authorization header h and reads the whole
// response; it connects first when there is no open connection. A reused
// connection that the server closes before answering a byte (a server
// closing idle keep-alive connections, as Apache's event MPM does when its
// workers are busy, races with the request) gets the request once more on
// a new connection, as browsers and net/http do for idempotent requests:
// the server has not consumed the token, since it answered nothing.
func (c *client) get(h []byte, r *run) (int, error) {
	for attempt := 0; ; attempt++ {
		status, retry, err := c.try(h, r)
		if !retry || attempt > 0 {
			return status, err
		}
		r.retried++
	}
}

func (c *client) try(h []byte, r *run) (status int, retry bool, err error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, false, err
		}
		c.conn, c.served = conn, 0
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 4096)
		} else {
			c.br.Reset(conn)
		}
		r.conns++
	}
	reused := c.served > 0
	c.buf = append(c.buf[:0], "GET / HTTP/1.1\r\nHost: "...)
	c.buf = append(c.buf, c.host...)
	c.buf = append(c.buf, "\r\nAuthorization: "...)
	c.buf = append(c.buf, h...)
	c.buf = append(c.buf, "\r\n\r\n"...)
	if _, err := c.conn.Write(c.buf); err != nil {
		c.close()
		return 0, reused, err
	}
	if _, err := c.br.Peek(1); err != nil {
		c.close()
		return 0, reused, err
	}
	if reused {
		r.reused++
	}
	resp, err := http.ReadResponse(c.br, getReq)
	if err != nil {
		c.close()
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		c.close()
		return 0, false, err
	}
	c.served++
	if resp.Close {
		c.close()
	}
	return resp.StatusCode, false, nil
}

func (c *client) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// percentile returns the q-quantile of sorted latencies.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

func sortedLat(r run) []time.Duration {
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s
}
