// Command sspipeer is one side of the cross-build test of package
// compat/sspi/negotiate: built for Linux it runs natively, built for
// Windows it runs under Wine (ci/wine.sh), and the two authenticate each
// other over TCP, then exchange a signature and an encrypted message each
// way.
//
//	sspipeer server -listen 127.0.0.1:PORT
//	sspipeer client -connect 127.0.0.1:PORT -spn host/localhost
//
// Frames are a 4-byte big-endian length, a done byte and the token; every
// step sends one, so each side knows when the other has finished. It
// prints what it saw, one fact a line, and exits non-zero on any failure.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gssnego/gssnego/compat/sspi"
	"github.com/gssnego/gssnego/compat/sspi/negotiate"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sspipeer server|client [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "server: address to listen on")
	connect := fs.String("connect", "", "client: server address")
	spn := fs.String("spn", "host/localhost", "client: the server's SPN")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "server":
		err = server(*listen)
	case "client":
		err = client(*connect, *spn)
	default:
		err = fmt.Errorf("unknown role %q", os.Args[1])
	}
	if err != nil {
		fmt.Printf("%s: FAILED: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Printf("%s: done\n", os.Args[1])
}

// stepper is what ClientContext and ServerContext share for the exchange.
type stepper interface {
	Update(token []byte) (bool, []byte, error)
}

// exchange runs the token loop after this side's first step (done, out).
func exchange(c net.Conn, s stepper, done bool, out []byte, first func([]byte) (bool, []byte, error)) error {
	peerDone := false
	if out != nil || done {
		if err := send(c, done, out); err != nil {
			return err
		}
	}
	for !(done && peerDone) {
		pd, in, err := recv(c)
		if err != nil {
			return fmt.Errorf("reading the peer's token: %w", err)
		}
		peerDone = pd
		if len(in) == 0 {
			if !done {
				return errors.New("the peer sent no token but this side is not done")
			}
			continue
		}
		if first != nil {
			done, out, err = first(in)
			first = nil
		} else {
			done, out, err = s.Update(in)
		}
		if err != nil {
			return err
		}
		if err := send(c, done, out); err != nil {
			return err
		}
	}
	return nil
}

func server(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Printf("server: listening on %s\n", l.Addr())
	c, err := l.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	cred, err := negotiate.AcquireServerCredentials("")
	if err != nil {
		return err
	}
	defer cred.Release()
	var ctx *negotiate.ServerContext
	start := func(in []byte) (bool, []byte, error) {
		var done bool
		var out []byte
		ctx, done, out, err = negotiate.NewServerContext(cred, in)
		return done, out, err
	}
	if err := exchange(c, updater(func(in []byte) (bool, []byte, error) { return ctx.Update(in) }), false, nil, start); err != nil {
		return err
	}
	defer ctx.Release()
	fmt.Println("server: authenticated")
	if user, err := ctx.GetUsername(); err == nil {
		fmt.Printf("server: user %s\n", user)
	} else {
		fmt.Printf("server: user unknown: %v\n", err)
	}
	msg, err := recvData(c)
	if err != nil {
		return err
	}
	sig, err := recvData(c)
	if err != nil {
		return err
	}
	if _, err := ctx.VerifySignature(msg, sig, 0); err != nil {
		return err
	}
	fmt.Printf("server: signature verified on %q\n", msg)
	sealed, err := ctx.EncryptMessage([]byte("sealed by the server"), 0, 0)
	if err != nil {
		return err
	}
	if err := send(c, true, sealed); err != nil {
		return err
	}
	sealed, err = recvData(c)
	if err != nil {
		return err
	}
	qop, plain, err := ctx.DecryptMessage(sealed, 0)
	if err != nil {
		return err
	}
	fmt.Printf("server: decrypted %q (qop %#x)\n", plain, qop)
	return nil
}

func client(addr, spn string) error {
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	cred, err := negotiate.AcquireCurrentUserCredentials()
	if err != nil {
		return err
	}
	defer cred.Release()
	ctx, out, err := negotiate.NewClientContextWithFlags(cred, spn,
		sspi.ISC_REQ_CONNECTION|sspi.ISC_REQ_MUTUAL_AUTH|sspi.ISC_REQ_CONFIDENTIALITY|sspi.ISC_REQ_INTEGRITY)
	if err != nil {
		return err
	}
	defer ctx.Release()
	if err := exchange(c, ctx, false, out, nil); err != nil {
		return err
	}
	fmt.Println("client: authenticated")
	if err := ctx.VerifyFlags(); err != nil {
		return err
	}
	fmt.Println("client: flags verified")
	msg := []byte("signed by the client")
	sig, err := ctx.MakeSignature(msg, 0, 0)
	if err != nil {
		return err
	}
	if err := send(c, true, msg); err != nil {
		return err
	}
	if err := send(c, true, sig); err != nil {
		return err
	}
	sealed, err := recvData(c)
	if err != nil {
		return err
	}
	qop, plain, err := ctx.DecryptMessage(sealed, 0)
	if err != nil {
		return err
	}
	fmt.Printf("client: decrypted %q (qop %#x)\n", plain, qop)
	sealed, err = ctx.EncryptMessage([]byte("sealed by the client"), 0, 0)
	if err != nil {
		return err
	}
	return send(c, true, sealed)
}

type updater func([]byte) (bool, []byte, error)

func (u updater) Update(in []byte) (bool, []byte, error) { return u(in) }

const maxFrame = 1 << 20

func send(c net.Conn, done bool, b []byte) error {
	hdr := make([]byte, 5)
	binary.BigEndian.PutUint32(hdr, uint32(len(b)))
	if done {
		hdr[4] = 1
	}
	_, err := c.Write(append(hdr, b...))
	return err
}

func recv(c net.Conn) (done bool, b []byte, err error) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return false, nil, err
	}
	n := binary.BigEndian.Uint32(hdr)
	if n > maxFrame {
		return false, nil, fmt.Errorf("frame of %d bytes exceeds %d", n, maxFrame)
	}
	b = make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		return false, nil, err
	}
	return hdr[4] == 1, b, nil
}

func recvData(c net.Conn) ([]byte, error) {
	_, b, err := recv(c)
	return b, err
}
