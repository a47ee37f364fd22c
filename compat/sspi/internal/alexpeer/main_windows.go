// Command alexpeer is the server side of sspipeer's protocol written with
// the real github.com/alexbrainman/sspi/negotiate (Windows only), so the
// mirror's Linux client can be checked against the package it mirrors
// (under Wine in ci/wine.sh; on a Windows host by hand).
//
//	alexpeer -listen 127.0.0.1:PORT
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/alexbrainman/sspi/negotiate"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	if err := serve(*listen); err != nil {
		fmt.Printf("server: FAILED: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("server: done")
}

func serve(addr string) error {
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
		return fmt.Errorf("AcquireServerCredentials: %w", err)
	}
	defer cred.Release()
	_, in, err := recv(c)
	if err != nil {
		return err
	}
	ctx, done, out, err := negotiate.NewServerContext(cred, in)
	if err != nil {
		return fmt.Errorf("NewServerContext: %w", err)
	}
	defer ctx.Release()
	if err := send(c, done, out); err != nil {
		return err
	}
	peerDone := false
	for !(done && peerDone) {
		pd, in, err := recv(c)
		if err != nil {
			return err
		}
		peerDone = pd
		if len(in) == 0 {
			continue
		}
		if done, out, err = ctx.Update(in); err != nil {
			return fmt.Errorf("Update: %w", err)
		}
		if err := send(c, done, out); err != nil {
			return err
		}
	}
	fmt.Println("server: authenticated")
	if user, err := ctx.GetUsername(); err == nil {
		fmt.Printf("server: user %s\n", user)
	} else {
		fmt.Printf("server: user unknown: %v\n", err)
	}
	_, msg, err := recv(c)
	if err != nil {
		return err
	}
	_, sig, err := recv(c)
	if err != nil {
		return err
	}
	if _, err := ctx.VerifySignature(msg, sig, 0); err != nil {
		return fmt.Errorf("VerifySignature: %w", err)
	}
	fmt.Printf("server: signature verified on %q\n", msg)
	sealed, err := ctx.EncryptMessage([]byte("sealed by the server"), 0, 0)
	if err != nil {
		return fmt.Errorf("EncryptMessage: %w", err)
	}
	if err := send(c, true, sealed); err != nil {
		return err
	}
	_, sealed, err = recv(c)
	if err != nil {
		return err
	}
	qop, plain, err := ctx.DecryptMessage(sealed, 0)
	if err != nil {
		return fmt.Errorf("DecryptMessage: %w", err)
	}
	fmt.Printf("server: decrypted %q (qop %#x)\n", plain, qop)
	return nil
}

func send(c net.Conn, done bool, b []byte) error {
	hdr := make([]byte, 5)
	binary.BigEndian.PutUint32(hdr, uint32(len(b)))
	if done {
		hdr[4] = 1
	}
	_, err := c.Write(append(hdr, b...))
	return err
}

func recv(c net.Conn) (bool, []byte, error) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return false, nil, err
	}
	n := binary.BigEndian.Uint32(hdr)
	if n > 1<<20 {
		return false, nil, fmt.Errorf("frame of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return hdr[4] == 1, b, err
}
