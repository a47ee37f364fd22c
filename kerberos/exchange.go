package kerberos

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/patype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/gssnego/gssnego/gss"
)

// ticket is a ticket with what the client needs to use it.
type ticket struct {
	tkt        messages.Ticket
	key        types.EncryptionKey // the session key
	start, end time.Time
	flags      []byte
}

func (t *ticket) valid(now time.Time) bool { return now.Before(t.end) }

// secret gives the client's long-term key for an enctype and salt, from a
// password or a client keytab.
type secret struct {
	password *string
	kt       *keytab.Keytab
}

func (s secret) key(cname types.PrincipalName, realm string, etype int32, info *types.ETypeInfo2Entry) (types.EncryptionKey, error) {
	if s.kt != nil {
		k, _, err := s.kt.GetEncryptionKey(cname, realm, 0, etype)
		return k, err
	}
	et, err := crypto.GetEtype(etype)
	if err != nil {
		return types.EncryptionKey{}, err
	}
	salt, params := cname.GetSalt(realm), et.GetDefaultStringToKeyParams()
	if info != nil {
		if info.Salt != "" {
			salt = info.Salt
		}
		if len(info.S2KParams) == 4 {
			params = hex.EncodeToString(info.S2KParams)
		}
	}
	kv, err := et.StringToKey(*s.password, salt, params)
	if err != nil {
		return types.EncryptionKey{}, err
	}
	return types.EncryptionKey{KeyType: etype, KeyValue: kv}, nil
}

// asExchange gets a TGT with PA-ENC-TIMESTAMP pre-authentication, taking
// the enctype and salt from the KDC's PA-ETYPE-INFO2.
func asExchange(ctx context.Context, c *config.Config, cname types.PrincipalName, realm string, s secret) (*ticket, error) {
	const op = "AS exchange"
	req, err := messages.NewASReqForTGT(realm, c, cname)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	if s.kt != nil {
		// Ask only for enctypes the keytab has, in krb5.conf's order.
		var have []int32
		for _, e := range req.ReqBody.EType {
			if _, _, err := s.kt.GetEncryptionKey(cname, realm, 0, e); err == nil {
				have = append(have, e)
			}
		}
		if len(have) == 0 {
			return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "client keytab has no key for %s of the configured enctypes", principalString(cname, realm))
		}
		req.ReqBody.EType = have
	}
	var usedKey *types.EncryptionKey
	for round := 0; ; round++ {
		rep, ke, err := exchangeKDC(ctx, op, c, realm, &req)
		if err != nil {
			return nil, err
		}
		if ke != nil {
			if ke.ErrorCode != 25 || round > 0 { // KDC_ERR_PREAUTH_REQUIRED
				return nil, kdcErr(op, ke.ErrorCode, ke.EText)
			}
			var md types.PADataSequence
			if err := guard(func() error { return md.Unmarshal(ke.EData) }); err != nil {
				return nil, kerr(op, gss.StatusFailure, 0, "KDC asks for pre-authentication, METHOD-DATA: %v", err)
			}
			info := pickETypeInfo(md, req.ReqBody.EType)
			if info == nil {
				return nil, kerr(op, gss.StatusFailure, krb5Base+14, "KDC offers no enctype of ours for pre-authentication")
			}
			k, err := s.key(cname, realm, info.EType, info)
			if err != nil {
				return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "client key: %v", err)
			}
			usedKey = &k
			ts, err := types.GetPAEncTSEncAsnMarshalled()
			if err != nil {
				return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
			}
			ed, err := crypto.GetEncryptedData(ts, k, keyusage.AS_REQ_PA_ENC_TIMESTAMP, 0)
			if err != nil {
				return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
			}
			edb, err := ed.Marshal()
			if err != nil {
				return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
			}
			req.PAData = types.PADataSequence{{PADataType: patype.PA_ENC_TIMESTAMP, PADataValue: edb}}
			continue
		}
		var asRep messages.ASRep
		if err := guard(func() error { return asRep.Unmarshal(rep) }); err != nil {
			return nil, kerr(op, gss.StatusDefectiveToken, 0, "AS-REP: %v", err)
		}
		var k types.EncryptionKey
		if usedKey != nil && usedKey.KeyType == asRep.EncPart.EType {
			k = *usedKey
		} else {
			info := pickETypeInfo(asRep.PAData, []int32{asRep.EncPart.EType})
			if k, err = s.key(cname, realm, asRep.EncPart.EType, info); err != nil {
				return nil, kerr(op, gss.StatusNoCred, minorKTNotFound, "client key: %v", err)
			}
		}
		var plain []byte
		err = guard(func() (err error) {
			plain, err = crypto.DecryptEncPart(asRep.EncPart, k, keyusage.AS_REP_ENCPART)
			return err
		})
		if err != nil {
			// As MIT: a reply that does not decrypt means a wrong password
			// (KDC_ERR_PREAUTH_FAILED, "Password incorrect").
			return nil, kerr(op, gss.StatusNoCred, krb5Base+24, "AS-REP does not decrypt with the client key (password incorrect or stale client keytab): %v", err)
		}
		var enc messages.EncKDCRepPart
		if err := guard(func() error { return enc.Unmarshal(plain) }); err != nil {
			return nil, kerr(op, gss.StatusDefectiveToken, 0, "AS-REP enc-part: %v", err)
		}
		if enc.Nonce != req.ReqBody.Nonce {
			return nil, kerr(op, gss.StatusFailure, minorModified, "AS-REP nonce does not match the request")
		}
		return &ticket{tkt: asRep.Ticket, key: enc.Key, start: startOf(enc), end: enc.EndTime, flags: enc.Flags.Bytes}, nil
	}
}

func startOf(enc messages.EncKDCRepPart) time.Time {
	if enc.StartTime.IsZero() {
		return enc.AuthTime
	}
	return enc.StartTime
}

// pickETypeInfo returns the PA-ETYPE-INFO2 entry for the first of want the
// KDC lists, or a bare entry for want[0] when only PA-ETYPE-INFO2 is absent.
func pickETypeInfo(md types.PADataSequence, want []int32) *types.ETypeInfo2Entry {
	for _, pa := range md {
		if pa.PADataType != patype.PA_ETYPE_INFO2 {
			continue
		}
		info, err := pa.GetETypeInfo2()
		if err != nil {
			return nil
		}
		for _, w := range want {
			for i := range info {
				if info[i].EType == w {
					return &info[i]
				}
			}
		}
		return nil
	}
	if len(want) == 0 {
		return nil
	}
	return &types.ETypeInfo2Entry{EType: want[0]}
}

// tgsExchange gets a ticket for sname@realm from realm's KDC with tgt (the
// client's TGT or a cross-realm one for realm) for cname@crealm. With
// canonicalize the KDC may answer with a referral (crossRealmTicket).
func tgsExchange(ctx context.Context, c *config.Config, cname types.PrincipalName, crealm string, tgt *ticket, sname types.PrincipalName, realm string, canonicalize bool) (*ticket, error) {
	const op = "TGS exchange"
	if !tgt.valid(time.Now()) {
		return nil, kerr(op, gss.StatusCredentialsExpired, minorTktExpired, "the TGT expired at %s", tgt.end.UTC().Format(time.RFC3339))
	}
	req, err := messages.NewTGSReq(cname, realm, c, tgt.tkt, tgt.key, sname, false)
	if err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	// Options as MIT asks them: forwardable only with a forwardable TGT,
	// never renewable or proxiable (gokrb5 takes them from krb5.conf, and a
	// Heimdal KDC, Samba's, refuses an option the TGT does not allow with
	// KDC_ERR_BADOPTION).
	req.ReqBody.KDCOptions = types.NewKrbFlags()
	req.ReqBody.RTime = time.Time{}
	if flagSet(tgt.flags, flags.Forwardable) {
		types.SetFlag(&req.ReqBody.KDCOptions, flags.Forwardable)
	}
	if canonicalize {
		types.SetFlag(&req.ReqBody.KDCOptions, flags.Canonicalize)
	}
	if err := setTGSAuthenticator(&req, tgt, crealm); err != nil {
		return nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	return sendTGS(ctx, op, c, realm, &req, tgt)
}

// sendTGS sends a TGS-REQ made with tgt and decodes the reply.
func sendTGS(ctx context.Context, op string, c *config.Config, realm string, req *messages.TGSReq, tgt *ticket) (*ticket, error) {
	rep, ke, err := exchangeKDC(ctx, op, c, realm, req)
	if err != nil {
		return nil, err
	}
	if ke != nil {
		text := ke.EText
		if ke.ErrorCode == 7 {
			// MIT's wording, naming the principal: gss.ErrServiceUnknown's
			// text finds the service in it.
			text = fmt.Sprintf("Server %s not found in Kerberos database", principalString(req.ReqBody.SName, realm))
			if ke.EText != "" {
				text += ": " + ke.EText
			}
		}
		return nil, kdcErr(op, ke.ErrorCode, text)
	}
	var tgsRep messages.TGSRep
	if err := guard(func() error { return tgsRep.Unmarshal(rep) }); err != nil {
		return nil, kerr(op, gss.StatusDefectiveToken, 0, "TGS-REP: %v", err)
	}
	if err := guard(func() error { return tgsRep.DecryptEncPart(tgt.key) }); err != nil {
		return nil, kerr(op, gss.StatusFailure, minorBadIntegrity, "TGS-REP does not decrypt with the TGT session key: %v", err)
	}
	enc := tgsRep.DecryptedEncPart
	if enc.Nonce != req.ReqBody.Nonce {
		return nil, kerr(op, gss.StatusFailure, minorModified, "TGS-REP nonce does not match the request")
	}
	return &ticket{tkt: tgsRep.Ticket, key: enc.Key, start: startOf(enc), end: enc.EndTime, flags: enc.Flags.Bytes}, nil
}

// exchangeKDC marshals req, sends it to realm's KDCs and returns the reply,
// or the KRB-ERROR the KDC answered with instead.
func exchangeKDC(ctx context.Context, op string, c *config.Config, realm string, req interface{ Marshal() ([]byte, error) }) ([]byte, *messages.KRBError, error) {
	b, err := req.Marshal()
	if err != nil {
		return nil, nil, kerr(op, gss.StatusFailure, 0, "%v", err)
	}
	rep, err := sendToKDC(ctx, c, realm, b)
	if err != nil {
		return nil, nil, err
	}
	if ke, ok := asKRBError(rep); ok {
		return rep, ke, nil
	}
	return rep, nil, nil
}
