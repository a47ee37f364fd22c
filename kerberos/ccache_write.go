package kerberos

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/gssnego/gssnego/gss"
)

var _ gss.CredentialStorer = (*Credential)(nil)

// StoreInto implements gss.CredentialStorer: it writes the credential's
// TGT and service tickets into a FILE ccache (version 4, as MIT's kinit
// writes), replacing the file atomically, mode 0600, so that klist, kvno,
// a child process or a C library can use them through KRB5CCNAME.
func (c *Credential) StoreInto(ccache string) error {
	const op = "StoreCredential"
	c.mu.Lock()
	if c.released || c.tgt == nil {
		c.mu.Unlock()
		return kerr(op, gss.StatusNoCred, 0, "no initiator tickets to store")
	}
	client := ccPrincipal{name: c.client, realm: c.realm}
	tickets := []*ticket{c.tgt}
	for _, t := range c.tickets {
		tickets = append(tickets, t)
	}
	c.mu.Unlock()
	path, err := ccachePath(ccache)
	if err != nil {
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	b, err := marshalCCache(client, tickets)
	if err != nil {
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".krb5cc-")
	if err != nil {
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	if err := tmp.Close(); err != nil {
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	return nil
}

func marshalCCache(client ccPrincipal, tickets []*ticket) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint16(0x0504)
	b.AddUint16(0) // no header fields
	addCCPrincipal(&b, client)
	for _, t := range tickets {
		tb, err := t.tkt.Marshal()
		if err != nil {
			return nil, err
		}
		addCCPrincipal(&b, client)
		addCCPrincipal(&b, ccPrincipal{name: t.tkt.SName, realm: t.tkt.Realm})
		b.AddUint16(uint16(t.key.KeyType))
		addCounted(&b, t.key.KeyValue)
		for _, tm := range []time.Time{t.start, t.start, t.end, {}} {
			b.AddUint32(ccTime(tm))
		}
		b.AddUint8(0) // is_skey
		var f [4]byte
		copy(f[:], t.flags)
		b.AddUint32(binary.BigEndian.Uint32(f[:]))
		b.AddUint32(0) // addresses
		b.AddUint32(0) // authdata
		addCounted(&b, tb)
		addCounted(&b, nil) // second ticket
	}
	return b.Bytes()
}

func ccTime(t time.Time) uint32 {
	if t.IsZero() || t.Unix() < 0 {
		return 0
	}
	return uint32(t.Unix())
}

func addCounted(b *cryptobyte.Builder, v []byte) {
	b.AddUint32(uint32(len(v)))
	b.AddBytes(v)
}

func addCCPrincipal(b *cryptobyte.Builder, p ccPrincipal) {
	b.AddUint32(uint32(p.name.NameType))
	b.AddUint32(uint32(len(p.name.NameString)))
	addCounted(b, []byte(p.realm))
	for _, c := range p.name.NameString {
		addCounted(b, []byte(c))
	}
}
