//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jcmturner/goidentity/v6"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/gssnego/gssnego/gssapi_unix"
	"github.com/gssnego/gssnego/kerberos"
	"github.com/gssnego/gssnego/negotiate"
	"github.com/gssnego/gssnego/negotiate/httpauth"
	"github.com/gssnego/gssnego/platform"
)

// slotsEnv carries -slots to our server's child process
// (httpauth.Server.MaxConcurrentHandshakes).
const slotsEnv = "GSSNEGO_CAPACITY_SLOTS"

// serve is the child-process mode (-serve ours|gokrb5): one HTTP server on
// a free 127.0.0.1 port, its address printed as the first line of stdout,
// until SIGTERM. Each Go server runs in its own process so that its CPU
// time can be read from /proc like Apache's, and the load generator does
// not share its Go runtime.
func serve(kind, keytabPath, cpuProfile string) error {
	var h http.Handler
	var install func(*http.Server)
	switch kind {
	case "ours", "ours-memkt", "ours-memkt-norc", "purego":
		// What the package docs show: the environment's keytab
		// (KRB5_KTNAME), the default mechanisms, a fresh context per
		// request (no ConnectionAuth). The -memkt variants hold the keytab
		// in memory (gssapi_unix.LoadKeytab); -norc also turns MIT's
		// replay cache off for that credential ("none:"), leaving replay
		// detection to gssnego's in-memory cache (httpauth.Server's
		// default, on for every kind of ours). purego is the
		// pure-Go provider (kerberos.NewProvider): keytab in memory, its
		// own replay cache, AP-REP, PAC checked when present.
		s, err := oursServer(kind, keytabPath)
		if err != nil {
			return err
		}
		if v := os.Getenv(slotsEnv); v != "" {
			if s.MaxConcurrentHandshakes, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("capacity: %s=%q: %w", slotsEnv, v, err)
			}
		}
		h = s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, httpauth.Principal(r)+"\n")
		}))
		install = s.Install
	case "gokrb5":
		kt, err := keytab.Load(strings.TrimPrefix(keytabPath, "FILE:"))
		if err != nil {
			return err
		}
		// gokrb5's documented way, default settings (no logger, no
		// session manager; its replay cache is always on) but one: MIT
		// 1.20's KDC puts a PAC without a logon-info buffer in every
		// ticket, which gokrb5 rejects ("PAC Info Buffers does not contain
		// a KerbValidationInfo", 401) unless told not to decode PACs.
		h = spnego.SPNEGOKRB5Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := goidentity.FromHTTPRequestContext(r)
			io.WriteString(w, id.UserName()+"@"+id.Domain()+"\n")
		}), kt, service.DecodePAC(false))
	default:
		return fmt.Errorf("capacity: -serve %q: want ours, ours-memkt, ours-memkt-norc, purego or gokrb5", kind)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if install != nil {
		install(hs)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go hs.Serve(ln)
	fmt.Println(ln.Addr().String())
	<-stop
	ln.Close()
	return nil
}

// oursServer is our middleware for one of the -serve kinds of ours.
func oursServer(kind, keytabPath string) (*httpauth.Server, error) {
	if kind == "purego" {
		return &httpauth.Server{Config: negotiate.Config{Provider: kerberos.NewProvider()}}, nil
	}
	p, err := platform.Provider()
	if err != nil {
		return nil, err
	}
	s := &httpauth.Server{Config: negotiate.Config{Provider: p}}
	switch kind {
	case "ours-memkt", "ours-memkt-norc":
		cfg := gssapi_unix.KeytabConfig{}
		if kind == "ours-memkt-norc" {
			cfg.ReplayCache = "none:"
		}
		kt, err := gssapi_unix.LoadKeytab(keytabPath, cfg)
		if err != nil {
			return nil, err
		}
		s.Config.Credential = kt
	}
	return s, nil
}
