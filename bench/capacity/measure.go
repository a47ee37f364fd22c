//go:build linux

package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/gssnego/gssnego/platform"
)

// row is one server's result at one concurrency.
type row struct {
	server    string
	clients   int // connections kept open at once
	tokens    int
	tokenTook time.Duration
	run
	serverCPU time.Duration
	clientCPU time.Duration
	roundRPS  []float64 // req/s of each round
}

func (r row) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

func perReq(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

// measure makes the tokens for one concurrency, warms every server up and
// then sends each server n requests over conns connections in rounds
// interleaved rounds, the servers' order rotating every round.
func measure(servers []*server, conns, n, rounds, warm int) ([]row, error) {
	p, err := platform.Provider()
	if err != nil {
		return nil, err
	}
	rounds = max(1, min(rounds, n))
	progress("%d connections: making %d tokens", conns, n+warm)
	pool, err := makeTokens(p, "HTTP@localhost", n+warm)
	if err != nil {
		return nil, err
	}
	progress("tokens made in %v (%v each, on %d goroutines)", pool.took.Round(time.Millisecond),
		perReq(pool.took, n+warm).Round(time.Microsecond), runtime.GOMAXPROCS(0))
	rows := make([]row, len(servers))
	for i, s := range servers {
		rows[i] = row{server: s.name, clients: conns, tokens: n + warm, tokenTook: pool.took}
		if w := drive(s.addr, s.host, pool.headers[:warm], conns); w.errs > 0 {
			return nil, fmt.Errorf("capacity: %s: %d of %d warm-up requests failed, first: %s", s.name, w.errs, warm, w.firstErr)
		}
	}
	measured := pool.headers[warm:]
	for r := range rounds {
		part := measured[r*n/rounds : (r+1)*n/rounds]
		for k := range servers {
			i := (k + r) % len(servers)
			s := servers[i]
			cpu0, self0 := cpuTime(s.pgid), selfCPU()
			res := drive(s.addr, s.host, part, conns)
			rows[i].serverCPU += cpuTime(s.pgid) - cpu0
			rows[i].clientCPU += selfCPU() - self0
			rows[i].add(res)
			rows[i].roundRPS = append(rows[i].roundRPS, float64(res.ok)/res.elapsed.Seconds())
			progress("round %d %-8s %5d req %6.0f req/s, %d errors", r+1, s.name, len(part),
				float64(res.ok)/res.elapsed.Seconds(), res.errs)
		}
	}
	return rows, nil
}

// printTable writes the results as markdown, then ours ÷ each reference.
func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| conns | server | req/s | p50 | p99 | errors | req per TCP conn | on a reused conn | server CPU/req | load generator CPU/req |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		lat := sortedLat(r.run)
		total := r.ok + r.errs
		fmt.Fprintf(w, "| %d | %s | %.0f | %v | %v | %d (%d resent) | %.1f | %.1f %% | %v | %v |\n",
			r.clients, r.server, r.rps(), ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), r.errs, r.retried,
			float64(total)/float64(max(1, r.conns)), 100*float64(r.reused)/float64(max(1, total)),
			perReq(r.serverCPU, total).Round(time.Microsecond), perReq(r.clientCPU, total).Round(time.Microsecond))
		if r.firstErr != "" {
			fmt.Fprintf(w, "|   | first error: %s |\n", r.firstErr)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| conns | server | req/s ÷ Apache | req/s ÷ gokrb5 | same, median of the rounds' ratios | server CPU/req Apache ÷ it | server CPU/req gokrb5 ÷ it |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	byConns := map[int]map[string]row{}
	var order []int
	for _, r := range rows {
		if byConns[r.clients] == nil {
			byConns[r.clients] = map[string]row{}
			order = append(order, r.clients)
		}
		byConns[r.clients][r.server] = r
	}
	for _, c := range order {
		m := byConns[c]
		a, g := m[nameApache], m[nameGokrb5]
		for _, o := range rows {
			if o.clients != c || o.server == nameApache || o.server == nameGokrb5 {
				continue
			}
			cpu := float64(perReq(o.serverCPU, o.ok+o.errs))
			fmt.Fprintf(w, "| %d | %s | %.2f | %.2f | %.2f / %.2f | %.2f | %.2f |\n", c, o.server,
				ratio(o.rps(), a.rps()), ratio(o.rps(), g.rps()), medianRatio(o, a), medianRatio(o, g),
				ratio(float64(perReq(a.serverCPU, a.ok+a.errs)), cpu),
				ratio(float64(perReq(g.serverCPU, g.ok+g.errs)), cpu))
		}
	}
	fmt.Fprintln(w, "\n(0.00: that reference was not run.) gssnego-memkt-norc: MIT's replay cache off, gssnego's in-memory replay cache (httpauth.Server's default) on.")
}

// medianRatio is the median over the rounds of a's req/s ÷ b's in the same
// round, which cancels drift slower than a round.
func medianRatio(a, b row) float64 {
	var rs []float64
	for i := range min(len(a.roundRPS), len(b.roundRPS)) {
		rs = append(rs, ratio(a.roundRPS[i], b.roundRPS[i]))
	}
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	if len(rs)%2 == 1 {
		return rs[len(rs)/2]
	}
	return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ms rounds a latency for the table.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
