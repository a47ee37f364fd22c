package pacfile

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// The PAC functions (Netscape's proxy auto-config, as browsers implement
// them), written in Go and installed in the runtime. Hosts and patterns
// come from the script and from tools' URLs: nothing here panics on odd
// input, and the DNS ones obey the evaluation's deadline.

func (p *PAC) install() {
	set := func(name string, f any) { p.vm.Set(name, f) }
	set("isPlainHostName", func(host string) bool { return !strings.Contains(host, ".") })
	set("dnsDomainIs", func(host, domain string) bool {
		return strings.HasSuffix(strings.ToLower(host), strings.ToLower(domain))
	})
	set("localHostOrDomainIs", func(host, hostdom string) bool {
		host, hostdom = strings.ToLower(host), strings.ToLower(hostdom)
		return host == hostdom || (!strings.Contains(host, ".") && strings.HasPrefix(hostdom, host+"."))
	})
	set("isResolvable", func(host string) bool { return len(p.lookup(host)) > 0 })
	set("isResolvableEx", func(host string) bool { return len(p.lookup(host)) > 0 })
	set("dnsResolve", func(host string) goja.Value {
		for _, ip := range p.lookup(host) {
			if ip4 := ip.To4(); ip4 != nil {
				return p.vm.ToValue(ip4.String())
			}
		}
		return goja.Null()
	})
	set("dnsResolveEx", func(host string) string {
		var s []string
		for _, ip := range p.lookup(host) {
			s = append(s, ip.String())
		}
		return strings.Join(s, ";")
	})
	set("myIpAddress", func() string {
		if ip := p.opts.MyIP().To4(); ip != nil {
			return ip.String()
		}
		return "127.0.0.1"
	})
	set("myIpAddressEx", func() string { return p.opts.MyIP().String() })
	set("isInNet", func(host, pattern, mask string) bool {
		ip := net.ParseIP(host)
		if ip == nil {
			for _, a := range p.lookup(host) {
				if a.To4() != nil {
					ip = a
					break
				}
			}
		}
		pat, m := net.ParseIP(pattern).To4(), net.ParseIP(mask).To4()
		if ip = ip.To4(); ip == nil || pat == nil || m == nil {
			return false
		}
		for i := range 4 {
			if ip[i]&m[i] != pat[i]&m[i] {
				return false
			}
		}
		return true
	})
	set("isInNetEx", func(host, prefix string) bool {
		_, n, err := net.ParseCIDR(prefix)
		if err != nil {
			return false
		}
		ip := net.ParseIP(host)
		if ip == nil {
			for _, a := range p.lookup(host) {
				if n.Contains(a) {
					return true
				}
			}
			return false
		}
		return n.Contains(ip)
	})
	set("dnsDomainLevels", func(host string) int { return strings.Count(host, ".") })
	set("shExpMatch", ShExpMatch)
	set("weekdayRange", func(call goja.FunctionCall) goja.Value {
		return p.vm.ToValue(weekdayRange(p.opts.Now(), args(call)))
	})
	set("dateRange", func(call goja.FunctionCall) goja.Value {
		return p.vm.ToValue(dateRange(p.opts.Now(), args(call)))
	})
	set("timeRange", func(call goja.FunctionCall) goja.Value {
		return p.vm.ToValue(timeRange(p.opts.Now(), args(call)))
	})
	set("alert", func(string) {}) // scripts call it to debug; browsers log it
}

func args(call goja.FunctionCall) []string {
	out := make([]string, len(call.Arguments))
	for i, a := range call.Arguments {
		out[i] = a.String()
	}
	return out
}

// lookup resolves host within the evaluation's deadline and a quarter of
// the timeout, so a script whose name server is silent still gets its
// "not resolvable" answer before it is stopped (called with p.mu held,
// from the script).
func (p *PAC) lookup(host string) []net.IP {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}
	}
	if host == "" || len(host) > 253 {
		return nil
	}
	ctx, cancel := context.WithTimeout(p.dl, p.opts.Timeout/4)
	defer cancel()
	ips, err := p.opts.LookupIP(ctx, host)
	if err != nil {
		return nil
	}
	return ips
}

// ShExpMatch is PAC's shExpMatch: a shell glob where '*' matches any run
// of characters ('/' included) and '?' one character. Greedy matching with
// one backtrack point, so it is linear in practice and quadratic at worst.
func ShExpMatch(s, pattern string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			si++
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}

var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var months = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}

func index(list []string, s string) int {
	for i, v := range list {
		if v == strings.ToUpper(s) {
			return i
		}
	}
	return -1
}

// gmt strips a trailing "GMT" argument and returns the clock to use.
func gmt(now time.Time, a []string) (time.Time, []string) {
	if len(a) > 0 && strings.EqualFold(a[len(a)-1], "GMT") {
		return now.UTC(), a[:len(a)-1]
	}
	return now.Local(), a
}

// inRange is lo <= v <= hi, wrapping when lo > hi (FRI..MON, NOV..FEB).
func inRange(v, lo, hi int) bool {
	if lo <= hi {
		return lo <= v && v <= hi
	}
	return v >= lo || v <= hi
}

// weekdayRange(wd1[, wd2][, "GMT"]).
func weekdayRange(now time.Time, a []string) bool {
	now, a = gmt(now, a)
	if len(a) == 0 || len(a) > 2 {
		return false
	}
	lo := index(weekdays, a[0])
	hi := lo
	if len(a) == 2 {
		hi = index(weekdays, a[1])
	}
	if lo < 0 || hi < 0 {
		return false
	}
	return inRange(int(now.Weekday()), lo, hi)
}

// dateRange(day | month | year, …): one value, or two halves of equal
// shape (day, month, year, day month, month year, day month year), with
// an optional trailing "GMT". Numbers up to 31 are days, larger ones
// years, names months.
func dateRange(now time.Time, a []string) bool {
	now, a = gmt(now, a)
	type part struct{ day, month, year int } // -1: absent
	parse := func(vals []string) (part, bool) {
		pt := part{-1, -1, -1}
		for _, v := range vals {
			if m := index(months, v); m >= 0 {
				if pt.month >= 0 {
					return pt, false
				}
				pt.month = m
				continue
			}
			n, ok := atoi(v)
			switch {
			case !ok:
				return pt, false
			case n >= 1 && n <= 31 && pt.day < 0:
				pt.day = n
			case n > 31 && pt.year < 0:
				pt.year = n
			default:
				return pt, false
			}
		}
		return pt, true
	}
	key := func(pt part, t time.Time) (lo, v int) {
		// The fields the pattern names, most significant first.
		if pt.year >= 0 {
			lo, v = lo*10000+pt.year, v*10000+t.Year()
		}
		if pt.month >= 0 {
			lo, v = lo*100+pt.month, v*100+int(t.Month())-1
		}
		if pt.day >= 0 {
			lo, v = lo*100+pt.day, v*100+t.Day()
		}
		return lo, v
	}
	switch {
	case len(a) == 1:
		pt, ok := parse(a)
		if !ok {
			return false
		}
		lo, v := key(pt, now)
		return lo == v
	case len(a) >= 2 && len(a) <= 6 && len(a)%2 == 0:
		p1, ok1 := parse(a[:len(a)/2])
		p2, ok2 := parse(a[len(a)/2:])
		if !ok1 || !ok2 || (p1.day < 0) != (p2.day < 0) || (p1.month < 0) != (p2.month < 0) || (p1.year < 0) != (p2.year < 0) {
			return false
		}
		lo, v := key(p1, now)
		hi, _ := key(p2, now)
		if p1.year >= 0 {
			return lo <= v && v <= hi // absolute dates do not wrap
		}
		return inRange(v, lo, hi)
	}
	return false
}

// timeRange(hour | h1, h2 | h1, m1, h2, m2 | h1, m1, s1, h2, m2, s2
// [, "GMT"]): one hour is that whole hour; a range includes its start and
// excludes its end (timeRange(9, 17) is 9:00 to 16:59:59), wrapping past
// midnight when the end is earlier.
func timeRange(now time.Time, a []string) bool {
	now, a = gmt(now, a)
	n := make([]int, len(a))
	for i, v := range a {
		x, ok := atoi(v)
		if !ok {
			return false
		}
		n[i] = x
	}
	sec := now.Hour()*3600 + now.Minute()*60 + now.Second()
	var lo, hi int
	switch len(n) {
	case 1:
		return now.Hour() == n[0]
	case 2:
		lo, hi = n[0]*3600, n[1]*3600
	case 4:
		lo, hi = n[0]*3600+n[1]*60, n[2]*3600+n[3]*60
	case 6:
		lo, hi = n[0]*3600+n[1]*60+n[2], n[3]*3600+n[4]*60+n[5]
	default:
		return false
	}
	if lo <= hi {
		return lo <= sec && sec < hi
	}
	return sec >= lo || sec < hi
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
