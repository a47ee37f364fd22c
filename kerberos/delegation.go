package kerberos

import (
	"context"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// Delegation (RFC 4121 §4.1.1.1): the initiator gets a forwarded TGT and
// sends it as KRB-CRED in the 0x8003 checksum, encrypted in the ticket
// session key as MIT does; the acceptor hands it over as an initiator
// credential (gss.Delegated).

// flagSet reports KerberosFlags bit n (bit 0 is the most significant).
func flagSet(b []byte, n int) bool { return n/8 < len(b) && b[n/8]&(0x80>>(n%8)) != 0 }

// forwardedTGT asks the KDC for a forwarded copy of the TGT.
func forwardedTGT(ctx context.Context, cfg *config.Config, cname types.PrincipalName, realm string, tgt *ticket) (*ticket, error) {
	const op = "InitSecContext (delegation)"
	if !flagSet(tgt.flags, flags.Forwardable) {
		return nil, nil // MIT silently does not delegate a non-forwardable TGT
	}
	sname := types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", realm}}
	req, err := messages.NewTGSReq(cname, realm, cfg, tgt.tkt, tgt.key, sname, false)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	req.ReqBody.KDCOptions = types.NewKrbFlags()
	req.ReqBody.RTime = time.Time{}
	types.SetFlag(&req.ReqBody.KDCOptions, flags.Forwardable)
	types.SetFlag(&req.ReqBody.KDCOptions, flags.Forwarded)
	// The options changed: the PA-TGS-REQ checksum over the body is redone.
	if err := setTGSAuthenticator(&req, tgt, realm); err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	return sendTGS(ctx, op, cfg, realm, &req, tgt)
}

func setTGSAuthenticator(req *messages.TGSReq, tgt *ticket, crealm string) error {
	body, err := req.ReqBody.Marshal()
	if err != nil {
		return err
	}
	et, err := crypto.GetEtype(tgt.key.KeyType)
	if err != nil {
		return err
	}
	sum, err := et.GetChecksumHash(tgt.key.KeyValue, body, keyusage.TGS_REQ_PA_TGS_REQ_AP_REQ_AUTHENTICATOR_CHKSUM)
	if err != nil {
		return err
	}
	auth, err := types.NewAuthenticator(crealm, req.ReqBody.CName)
	if err != nil {
		return err
	}
	auth.Cksum = types.Checksum{CksumType: et.GetHashID(), Checksum: sum}
	ap, err := messages.NewAPReq(tgt.tkt, tgt.key, auth)
	if err != nil {
		return err
	}
	apb, err := ap.Marshal()
	if err != nil {
		return err
	}
	req.PAData = types.PADataSequence{{PADataType: 1, PADataValue: apb}} // PA-TGS-REQ
	return nil
}

// marshalKRBCred builds KRB-CRED for one ticket, its enc-part encrypted
// with key (usage 14).
func marshalKRBCred(t *ticket, client types.PrincipalName, crealm string, key types.EncryptionKey) ([]byte, error) {
	tb, err := t.tkt.Marshal()
	if err != nil {
		return nil, err
	}
	var enc cryptobyte.Builder
	enc.AddASN1(application(29), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(explicit(0), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { addEncryptionKey(b, t.key) })
						b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { addGeneralString(b, crealm) })
						b.AddASN1(explicit(2), func(b *cryptobyte.Builder) { addPrincipalName(b, client) })
						b.AddASN1(explicit(3), func(b *cryptobyte.Builder) { addFlags(b, t.flags) })
						b.AddASN1(explicit(5), func(b *cryptobyte.Builder) { b.AddASN1GeneralizedTime(t.start.UTC()) })
						b.AddASN1(explicit(6), func(b *cryptobyte.Builder) { b.AddASN1GeneralizedTime(t.end.UTC()) })
						b.AddASN1(explicit(8), func(b *cryptobyte.Builder) { addGeneralString(b, t.tkt.Realm) })
						b.AddASN1(explicit(9), func(b *cryptobyte.Builder) { addPrincipalName(b, t.tkt.SName) })
					})
				})
			})
		})
	})
	plain, err := enc.Bytes()
	if err != nil {
		return nil, err
	}
	ed, err := crypto.GetEncryptedData(plain, key, keyusage.KRB_CRED_ENCPART, 0)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(application(22), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(5) })
			b.AddASN1(explicit(1), func(b *cryptobyte.Builder) { b.AddASN1Int64(22) })
			b.AddASN1(explicit(2), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(tb) })
			})
			b.AddASN1(explicit(3), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(ed.EType)) })
					b.AddASN1(explicit(2), func(b *cryptobyte.Builder) { b.AddASN1OctetString(ed.Cipher) })
				})
			})
		})
	})
	return b.Bytes()
}

func addGeneralString(b *cryptobyte.Builder, s string) {
	b.AddASN1(asn1.Tag(27), func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
}

func addPrincipalName(b *cryptobyte.Builder, p types.PrincipalName) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(explicit(0), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(p.NameType)) })
		b.AddASN1(explicit(1), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, c := range p.NameString {
					addGeneralString(b, c)
				}
			})
		})
	})
}

func addFlags(b *cryptobyte.Builder, f []byte) {
	v := make([]byte, 4)
	copy(v, f)
	b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(0)
		b.AddBytes(v)
	})
}

// delegatedCredential decodes the KRB-CRED of a 0x8003 checksum into an
// initiator credential (the first ticket, which is the forwarded TGT).
func delegatedCredential(cfg *config.Config, b []byte, keys ...*types.EncryptionKey) (*Credential, error) {
	var kc messages.KRBCred
	if err := guard(func() error { return kc.Unmarshal(b) }); err != nil {
		return nil, err
	}
	if kc.EncPart.EType == 0 {
		// Heimdal's initiator sends the enc-part in the clear (etype 0,
		// the plain EncKrbCredPart): the KRB-CRED travels inside the
		// authenticator's checksum, which the session key already
		// encrypts. MIT's acceptor takes it too.
		var part messages.EncKrbCredPart
		if err := guard(func() error { return part.Unmarshal(kc.EncPart.Cipher) }); err != nil {
			return nil, err
		}
		kc.DecryptedEncPart = part
		return credFromKRBCred(cfg, &kc)
	}
	var derr error = errNoKey
	for _, k := range keys {
		if k == nil {
			continue
		}
		if derr = guard(func() error { return kc.DecryptEncPart(*k) }); derr == nil {
			break
		}
	}
	if derr != nil {
		return nil, derr
	}
	return credFromKRBCred(cfg, &kc)
}

// credFromKRBCred makes the credential of a decrypted KRB-CRED.
func credFromKRBCred(cfg *config.Config, kc *messages.KRBCred) (*Credential, error) {
	info := kc.DecryptedEncPart.TicketInfo
	if len(info) == 0 || len(kc.Tickets) == 0 {
		return nil, errNoKey
	}
	ci := info[0]
	start := ci.StartTime
	if start.IsZero() {
		start = ci.AuthTime
	}
	t := &ticket{tkt: kc.Tickets[0], key: ci.Key, start: start, end: ci.EndTime, flags: ci.Flags.Bytes}
	return &Credential{cfg: cfg, usage: gss.CredInitiateOnly, tickets: map[string]*ticket{},
		client: ci.PName, realm: ci.PRealm, tgt: t}, nil
}

type credError string

func (e credError) Error() string { return string(e) }

const errNoKey = credError("KRB-CRED: no ticket, or no key decrypts it")

// DelegatedCredential implements gss.Delegated.
func (c *secContext) DelegatedCredential() (gss.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.delegated
	c.delegated = nil
	if d == nil {
		return nil, nil
	}
	return d, nil
}
