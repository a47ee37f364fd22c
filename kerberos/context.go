package kerberos

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// secContext is a Kerberos V5 GSS context (RFC 4121), initiator or
// acceptor. Calls are serialised.
type secContext struct {
	mu        sync.Mutex
	p         *Provider
	initiator bool

	// configuration
	cred   *Credential
	target *name
	cb     *gss.ChannelBindings
	req    gss.Flags

	// state
	started, established, closed bool
	failed                       error

	flags      gss.Flags
	initName   string
	accName    string
	expires    time.Time
	sessionKey types.EncryptionKey
	initSubkey *types.EncryptionKey
	accSubkey  *types.EncryptionKey
	ctime      time.Time // initiator: the authenticator's, to check the AP-REP
	cusec      int
	sendSeq    uint64
	recvSeq    uint64
	delegated  *Credential         // acceptor: what the initiator delegated, until taken
	authz      *gss.AuthzData      // acceptor: the ticket's PAC (pac.go), nil without
	authzErr   error               // acceptor: why the ticket's PAC did not decode
	kc         map[kcKey]hash.Hash // keyed HMACs of derived checksum keys
}

var (
	_ gss.SecContext   = (*secContext)(nil)
	_ gss.MechInquirer = (*secContext)(nil)
	_ gss.Delegated    = (*secContext)(nil)
)

// grantedAlways are the flags every established Kerberos context has.
const grantedAlways = gss.FlagConf | gss.FlagInteg | gss.FlagTrans | gss.FlagProtReady

// checksumFlags are the flags an initiator puts in the 0x8003 checksum.
const checksumFlags = gss.FlagDeleg | gss.FlagMutual | gss.FlagReplay | gss.FlagSequence |
	gss.FlagConf | gss.FlagInteg | gss.FlagDCEStyle | gss.FlagIdentify | gss.FlagExtendedError

// Continue implements gss.SecContext. An initiator's KDC exchange (a TGS
// request when the ticket is not in memory) waits within the package's
// per-KDC timeouts; ContinueContext bounds it by a context instead.
func (c *secContext) Continue(in []byte) ([]byte, error) {
	return c.ContinueContext(context.Background(), in)
}

// ContinueContext is Continue with every KDC wait bounded by ctx: unlike a
// native backend, the step itself returns at ctx's deadline, with an error
// matching gss.ErrKDCUnreachable and ctx's cause.
func (c *secContext) ContinueContext(ctx context.Context, in []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, kerr("Continue", gss.StatusNoContext, 0, "security context used after Close")
	}
	if c.failed != nil {
		return nil, c.failed
	}
	if c.established {
		return nil, kerr("Continue", gss.StatusFailure, 0, "context already established")
	}
	var out []byte
	var err error
	if c.initiator {
		out, err = c.initStep(c.p.kdcContext(ctx), in)
	} else {
		out, err = c.acceptStep(in)
	}
	if err != nil {
		c.failed = err
	}
	return out, err
}

func (c *secContext) ContinueNeeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.established && c.failed == nil && !c.closed
}

// initStep sends the AP-REQ, then checks the AP-REP.
func (c *secContext) initStep(ctx context.Context, in []byte) ([]byte, error) {
	const op = "InitSecContext"
	if !c.started {
		c.started = true
		return c.apReq(ctx)
	}
	tokID, msg, err := unframe(in)
	if err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "acceptor's reply: %v", err)
	}
	switch tokID {
	case tokKRBError:
		var ke messages.KRBError
		if err := guard(func() error { return ke.Unmarshal(msg) }); err != nil {
			return nil, kerr(op, gss.StatusDefectiveToken, 0, "acceptor's KRB-ERROR: %v", err)
		}
		return nil, kdcErr(op, ke.ErrorCode, ke.EText)
	case tokAPRep:
	default:
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "acceptor's reply has TOK_ID %04x, want AP-REP", tokID)
	}
	et, cipher, err := parseAPRep(msg)
	if err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "%v", err)
	}
	// A reply that does not decrypt is GSS_S_FAILURE with the krb5 code,
	// as MIT reports krb5_rd_rep's error.
	if et != c.sessionKey.KeyType {
		return nil, kerr(op, gss.StatusFailure, minorBadIntegrity, "AP-REP encrypted with enctype %d, session key is %d", et, c.sessionKey.KeyType)
	}
	var plain []byte
	err = guard(func() (err error) {
		plain, err = crypto.DecryptMessage(cipher, c.sessionKey, keyusage.AP_REP_ENCPART)
		return err
	})
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, minorBadIntegrity, "AP-REP does not decrypt with the session key: %v", err)
	}
	rep, err := parseEncAPRepPart(plain)
	if err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "%v", err)
	}
	if !rep.ctime.Equal(c.ctime.Truncate(time.Second)) || rep.cusec != int64(c.cusec) {
		return nil, kerr(op, gss.StatusDefectiveToken, minorModified, "AP-REP does not answer our authenticator (ctime/cusec differ)")
	}
	if rep.subkey != nil {
		if _, err := crypto.GetEtype(rep.subkey.KeyType); err != nil {
			return nil, kerr(op, gss.StatusFailure, krb5Base+14, "acceptor subkey: %v", err)
		}
		c.accSubkey = rep.subkey
	}
	c.recvSeq = uint64(rep.seq)
	c.established = true
	return nil, nil
}

func (c *secContext) apReq(ctx context.Context) ([]byte, error) {
	const op = "InitSecContext"
	cfg := c.cred.cfg
	sname, realm := c.target.princ, c.target.realm
	fallback := ""
	if c.target.host != "" {
		var mapped bool
		realm, mapped = realmOfHost(cfg, c.target.host, c.cred.realm)
		if realm == "" {
			return nil, kerr(op, gss.StatusBadName, minorRealmUnknown, "no realm for host %s (domain_realm, default_realm)", c.target.host)
		}
		if !mapped {
			fallback = fallbackRealm(c.target.host)
		}
	}
	tkt, err := c.cred.serviceTicket(ctx, sname, realm)
	if err != nil && fallback != "" && fallback != realm && errors.Is(err, gss.KDCErrServerUnknown) {
		// As MIT: the referral realm's KDC neither knows the service nor
		// refers us on; try the realm named after the host's domain.
		// When that fails too, the first answer is the one that names the
		// service asked for (MIT reports the fallback's, which names
		// krbtgt/FALLBACK instead).
		if ft, ferr := c.cred.serviceTicket(ctx, sname, fallback); ferr == nil {
			tkt, err = ft, nil
		}
	}
	if err != nil {
		return nil, err
	}
	realm = tkt.tkt.Realm // where a referral or the fallback led
	auth, err := types.NewAuthenticator(c.cred.realm, c.cred.client)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	size, err := keySize(tkt.key.KeyType)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, krb5Base+14, "session key: %v", err)
	}
	if err := auth.GenerateSeqNumberAndSubKey(tkt.key.KeyType, size); err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	req := c.req&checksumFlags&^gss.FlagDeleg | gss.FlagConf | gss.FlagInteg
	var deleg []byte
	if c.req&gss.FlagDeleg != 0 || c.req&gss.FlagDelegPolicy != 0 && flagSet(tkt.flags, flags.OKAsDelegate) {
		c.cred.mu.Lock()
		tgt := c.cred.tgt
		c.cred.mu.Unlock()
		fwd, err := forwardedTGT(ctx, cfg, c.cred.client, c.cred.realm, tgt)
		if err != nil {
			return nil, err
		}
		if fwd != nil {
			if deleg, err = marshalKRBCred(fwd, c.cred.client, c.cred.realm, tkt.key); err != nil {
				return nil, kerr(op, gss.StatusFailure, 0, "KRB-CRED: %v", err)
			}
			req |= gss.FlagDeleg
		}
	}
	auth.Cksum = types.Checksum{CksumType: cksumTypeGSS, Checksum: gssChecksum(req, c.cb, deleg)}
	auth.AuthorizationData = etypeNegotiationAD(permittedEtypes(cfg), tkt.key.KeyType)
	ap, err := messages.NewAPReq(tkt.tkt, tkt.key, auth)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	if req&gss.FlagMutual != 0 {
		types.SetFlag(&ap.APOptions, flags.APOptionMutualRequired)
	}
	b, err := ap.Marshal()
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	c.sessionKey = tkt.key
	sub := auth.SubKey
	c.initSubkey = &sub
	c.ctime, c.cusec = auth.CTime, auth.Cusec
	c.sendSeq = uint64(uint32(auth.SeqNumber))
	c.flags = req&^gss.FlagDCEStyle | grantedAlways
	c.initName = principalString(c.cred.client, c.cred.realm)
	c.accName = principalString(sname, realm)
	c.expires = tkt.end
	if req&gss.FlagMutual == 0 {
		c.recvSeq = c.sendSeq
		c.established = true
	}
	return frame(tokAPReq, b), nil
}

// acceptStep checks the AP-REQ and, when mutual authentication was asked,
// answers with an AP-REP carrying an acceptor subkey.
func (c *secContext) acceptStep(in []byte) ([]byte, error) {
	out, err := c.accept(in)
	if err == nil {
		return out, nil
	}
	if ge, ok := err.(*gss.Error); ok {
		// Tell the initiator why, as MIT does, in a KRB-ERROR token.
		var code int32
		switch {
		case ge.Minor > krb5Base && ge.Minor < krb5Base+128:
			code = int32(ge.Minor - krb5Base)
		case ge.Minor == minorKTKVNONotFound:
			code = 44 // KRB_AP_ERR_BADKEYVER
		case ge.Minor == minorKTNotFound:
			code = 45 // KRB_AP_ERR_NOKEY
		default:
			return nil, err
		}
		ke := messages.NewKRBError(types.PrincipalName{}, "", code, "")
		if b, merr := ke.Marshal(); merr == nil {
			return frame(tokKRBError, b), err
		}
	}
	return nil, err
}

func (c *secContext) accept(in []byte) ([]byte, error) {
	const op = "AcceptSecContext"
	tokID, msg, err := unframe(in)
	if err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "%v", err)
	}
	if tokID != tokAPReq {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "TOK_ID %04x, want AP-REQ", tokID)
	}
	var ap messages.APReq
	if err := guard(func() error { return unmarshalAPReq(msg, &ap) }); err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "AP-REQ: %v", err)
	}
	if len(ap.Ticket.SName.NameString) == 0 {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "AP-REQ ticket has no server name")
	}
	keys := c.cred.acceptor
	key, err := keys.key(ap.Ticket.SName, ap.Ticket.Realm, ap.Ticket.EncPart.KVNO, ap.Ticket.EncPart.EType)
	if err != nil {
		return nil, err
	}
	if err := guard(func() error { return decryptTicket(&ap.Ticket, key) }); err != nil {
		return nil, kerr(op, gss.StatusDefectiveCredential, minorBadIntegrity, "ticket for %s does not decrypt with the keytab's key: %v",
			principalString(ap.Ticket.SName, ap.Ticket.Realm), err)
	}
	enc := ap.Ticket.DecryptedEncPart
	now := c.p.now()
	skew := c.p.clockSkew()
	start := enc.StartTime
	if start.IsZero() {
		start = enc.AuthTime
	}
	if start.Sub(now) > skew {
		return nil, kerr(op, gss.StatusCredentialsExpired, minorTktNYV, "ticket not yet valid (starts %s)", start.UTC().Format(time.RFC3339))
	}
	if now.Sub(enc.EndTime) > skew {
		return nil, kerr(op, gss.StatusCredentialsExpired, minorTktExpired, "ticket expired at %s", enc.EndTime.UTC().Format(time.RFC3339))
	}
	if err := guard(func() error { return decryptAuthenticator(&ap, enc.Key) }); err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, minorBadIntegrity, "authenticator: %v", err)
	}
	auth := ap.Authenticator
	if auth.CRealm != enc.CRealm || !samePrincipal(auth.CName, enc.CName) {
		return nil, kerr(op, gss.StatusDefectiveToken, minorBadMatch, "authenticator's client %s is not the ticket's %s",
			principalString(auth.CName, auth.CRealm), principalString(enc.CName, enc.CRealm))
	}
	if d := now.Sub(auth.CTime); d > skew || -d > skew {
		return nil, kerr(op, gss.StatusFailure, minorSkew, "clock skew too great: authenticator time %s, here %s",
			auth.CTime.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if auth.Cksum.CksumType != cksumTypeGSS {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "authenticator checksum type %d, want the GSS checksum 0x8003", auth.Cksum.CksumType)
	}
	ck, err := parseGSSChecksum(auth.Cksum.Checksum)
	if err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "%v", err)
	}
	// Channel bindings are checked when both sides have them; an initiator
	// that sent none passes, as with MIT.
	if c.cb != nil && ck.bnd != ([16]byte{}) {
		want := cbHash(c.cb)
		if !hmac.Equal(want[:], ck.bnd[:]) {
			return nil, kerr(op, gss.StatusBadBindings, 0, "channel bindings do not match")
		}
	}
	if !c.cred.noRcache {
		if err := c.p.rcache.check(op, ap.EncryptedAuthenticator.Cipher, now, auth.CTime.Add(skew)); err != nil {
			return nil, err
		}
	}
	mutual := types.IsFlagSet(&ap.APOptions, flags.APOptionMutualRequired) || ck.flags&gss.FlagMutual != 0
	c.sessionKey = enc.Key
	if auth.SubKey.KeyType != 0 && len(auth.SubKey.KeyValue) > 0 {
		sub := auth.SubKey
		c.initSubkey = &sub
	}
	c.recvSeq = uint64(uint32(auth.SeqNumber))
	c.flags = ck.flags&checksumFlags&^(gss.FlagDeleg|gss.FlagDCEStyle) | grantedAlways
	if ck.deleg != nil {
		d, err := delegatedCredential(c.cred.cfg, ck.deleg, &enc.Key, c.initSubkey)
		if err != nil {
			return nil, kerr(op, gss.StatusDefectiveToken, 0, "delegated credential: %v", err)
		}
		c.delegated = d
		c.flags |= gss.FlagDeleg
	}
	if mutual {
		c.flags |= gss.FlagMutual
	}
	c.authz, c.authzErr = ticketAuthz(enc.AuthorizationData, key, enc.CName, enc.AuthTime.Unix())
	c.initName = principalString(enc.CName, enc.CRealm)
	c.accName = principalString(ap.Ticket.SName, ap.Ticket.Realm)
	c.expires = enc.EndTime
	var out []byte
	if mutual {
		base := c.sessionKey
		if c.initSubkey != nil {
			base = *c.initSubkey
		}
		subEtype := negotiatedEtype(auth.AuthorizationData, permittedEtypes(c.cred.cfg), base.KeyType)
		size, err := keySize(subEtype)
		if err != nil {
			return nil, kerr(op, gss.StatusFailure, krb5Base+14, "%v", err)
		}
		// The subkey, the sequence number and the AP-REP's confounder
		// from one read of the system's random source.
		rnd := make([]byte, size+4+aesSHA1BlockSize)
		if _, err := rand.Read(rnd); err != nil {
			return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		kv, seqb, conf := rnd[:size:size], rnd[size:size+4], rnd[size+4:]
		sub := types.EncryptionKey{KeyType: subEtype, KeyValue: kv}
		seq := binary.BigEndian.Uint32(seqb) & 0x3fffffff
		// As MIT: an acceptor subkey only for RFC 4121 enctypes; with RFC
		// 4757 tokens both sides keep the initiator's subkey.
		subp := &sub
		if !gss.Enctype(subEtype).UsesRFC4121Tokens() {
			subp = nil
		}
		plain, err := marshalEncAPRepPart(auth.CTime, auth.Cusec, subp, seq)
		if err != nil {
			return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		ed, err := encryptUsage(c.sessionKey, keyusage.AP_REP_ENCPART, plain, conf)
		if err != nil {
			return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		rep, err := marshalAPRep(ed.EType, ed.Cipher)
		if err != nil {
			return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
		}
		c.accSubkey = subp
		c.sendSeq = uint64(seq)
		out = frame(tokAPRep, rep)
	} else {
		c.sendSeq = c.recvSeq
	}
	c.established = true
	return out, nil
}

// keySize is the protocol key length of an enctype. gokrb5's profile
// says 24 bytes for aes256-cts-hmac-sha384-192 (RFC 8009: 32), so the
// sizes are ours.
func keySize(etype int32) (int, error) {
	switch gss.Enctype(etype) {
	case gss.EnctypeAES128SHA1, gss.EnctypeAES128SHA256, gss.EnctypeRC4HMAC:
		return 16, nil
	case gss.EnctypeAES256SHA1, gss.EnctypeAES256SHA384:
		return 32, nil
	}
	return 0, fmt.Errorf("enctype %s not supported", gss.Enctype(etype))
}

// guard turns a panic in gokrb5's reflection-based decoder into an error.
func guard(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed message: %v", r)
		}
	}()
	return f()
}

func (c *secContext) info(names bool) *gss.SecContextInfo {
	info := &gss.SecContextInfo{
		Mech: gss.MechKRB5, Flags: c.flags, ExpiresAt: c.expires,
		LocallyInitiated: c.initiator, Established: c.established,
	}
	if k := c.protKey(); k != nil {
		info.SessionKeyEnctype = gss.Enctype(k.KeyType)
	}
	if names {
		info.InitiatorName, info.AcceptorName = c.initName, c.accName
	}
	return info
}

// Inquire implements gss.SecContext.
func (c *secContext) Inquire() (*gss.SecContextInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, kerr("Inquire", gss.StatusNoContext, 0, "security context used after Close")
	}
	return c.info(true), nil
}

// InquireMech implements gss.MechInquirer.
func (c *secContext) InquireMech() (*gss.SecContextInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, kerr("Inquire", gss.StatusNoContext, 0, "security context used after Close")
	}
	return c.info(false), nil
}

// Export implements gss.SecContext; not built yet.
func (c *secContext) Export() ([]byte, error) {
	return nil, kerr("Export", gss.StatusUnavailable, 0, "exporting a context is not supported by the pure-Go provider yet")
}

// Close implements gss.SecContext.
func (c *secContext) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.sessionKey, c.initSubkey, c.accSubkey, c.kc = types.EncryptionKey{}, nil, nil, nil
	return nil
}
