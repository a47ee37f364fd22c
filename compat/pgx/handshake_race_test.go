package pgxgss

import (
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/gssnego/gssnego/gss"
)

// twoLegs is a provider whose initiator contexts take two legs: the first
// token, then one reply from the server.
type twoLegs struct{}

type plainName string

func (n plainName) String() string     { return string(n) }
func (n plainName) Type() gss.NameType { return gss.NameHostBasedService }
func (n plainName) Release() error     { return nil }

func (twoLegs) Name() string                      { return "two-legs" }
func (twoLegs) IndicateMechs() ([]gss.OID, error) { return []gss.OID{gss.MechKRB5}, nil }
func (twoLegs) ImportName(s string, _ gss.NameType) (gss.Name, error) {
	return plainName(s), nil
}
func (twoLegs) AcquireCredential(gss.Name, []gss.OID, gss.CredUsage, ...gss.CredOption) (gss.Credential, error) {
	return nil, gss.ErrUnavailable
}
func (twoLegs) InitSecContext(gss.Name, ...gss.InitSecContextOption) (gss.SecContext, error) {
	return &twoLegCtx{}, nil
}
func (twoLegs) AcceptSecContext(...gss.AcceptSecContextOption) (gss.SecContext, error) {
	return nil, gss.ErrUnavailable
}
func (twoLegs) ImportSecContext([]byte) (gss.SecContext, error) { return nil, gss.ErrUnavailable }

// twoLegCtx has its own lock: the races the test looks for are the GSS's.
type twoLegCtx struct {
	mu   sync.Mutex
	legs int
}

func (c *twoLegCtx) Continue([]byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.legs++
	if c.legs == 1 {
		return []byte("first"), nil
	}
	return nil, nil
}

func (c *twoLegCtx) ContinueNeeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.legs < 2
}

func (c *twoLegCtx) Inquire() (*gss.SecContextInfo, error) {
	return &gss.SecContextInfo{Flags: gss.FlagConf | gss.FlagInteg, Established: true}, nil
}
func (c *twoLegCtx) GetMIC([]byte) ([]byte, error)           { return nil, gss.ErrUnavailable }
func (c *twoLegCtx) VerifyMIC([]byte, []byte) error          { return gss.ErrUnavailable }
func (c *twoLegCtx) Wrap([]byte, bool) ([]byte, bool, error) { return nil, false, gss.ErrUnavailable }
func (c *twoLegCtx) Unwrap([]byte) ([]byte, bool, error)     { return nil, false, gss.ErrUnavailable }
func (c *twoLegCtx) WrapSizeLimit(bool, int) (int, error)    { return 0, gss.ErrUnavailable }
func (c *twoLegCtx) Export() ([]byte, error)                 { return nil, gss.ErrUnavailable }
func (c *twoLegCtx) Close() error                            { return nil }

// TestHandshakeRacesContinue: a GSS is safe against misuse (its doc says
// so), so a Continue from another goroutine while the encryption handshake
// waits for the server's reply must end the exchange cleanly — the
// handshake then fails — without an unlocked access to the context (the
// race detector's report) or a nil context (a panic).
func TestHandshakeRacesContinue(t *testing.T) {
	g, err := New(WithProvider(twoLegs{}))
	if err != nil {
		t.Fatal(err)
	}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()

	result := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				result <- fmt.Errorf("handshake panicked: %v", r)
			}
		}()
		sc, err := g.handshake(client, "postgres@db", gss.NameHostBasedService)
		if err == nil {
			sc.Close()
			result <- fmt.Errorf("handshake succeeded although another call ended its exchange")
			return
		}
		result <- nil
	}()

	if _, err := readPacket(server, maxPacket); err != nil { // the first token: the handshake now waits
		t.Fatal(err)
	}
	_, _, _ = g.Continue([]byte("misuse"))  // ends the exchange from another goroutine
	go writePacket(server, []byte("reply")) // unread if the handshake has already ended
	if err := <-result; err != nil {
		t.Fatal(err)
	}
}
