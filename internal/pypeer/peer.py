#!/usr/bin/python3
"""A GSS peer in another process, driven over stdin/stdout by pypeer.go.

It uses python3-gssapi, i.e. the system's MIT libgssapi_krb5, so it is an
independent implementation of SPNEGO (MIT's spnego mech) from our engine.
One JSON config on argv; then one command per line, one answer per line:
  STEP <hex|->                 -> OUT <hex|-> <0|1 established>   | ERR <text>
  MIC <hex>                    -> OUT <hex>
  VERIFY <hexmsg> <hexmic>     -> OK
  WRAP <hex>                   -> OUT <hex>
  UNWRAP <hex>                 -> OUT <hex>
  INFO                         -> INFO <json>
"""
import binascii
import json
import sys

import gssapi
import gssapi.raw as raw


def h(b):
    return binascii.hexlify(b).decode() if b else "-"


def unh(s):
    return b"" if s == "-" else binascii.unhexlify(s)


def main():
    cfg = json.loads(sys.argv[1])
    mech = gssapi.OID.from_int_seq(cfg.get("mech", "1.3.6.1.5.5.2"))
    if cfg["role"] == "initiator":
        name = gssapi.Name(cfg["target"], gssapi.NameType.hostbased_service)
        cred = None
        if cfg.get("neg_mechs"):
            # gss_set_neg_mechs works on a SPNEGO credential; MIT drops a
            # listed mech it cannot get credentials for (NTLM needs
            # NTLM_USER_FILE).
            mechs = [gssapi.OID.from_int_seq(m) for m in cfg["neg_mechs"]]
            cred = gssapi.Credentials(usage="initiate", mechs=[mech])
            raw.set_neg_mechs(cred, mechs)
        flags = [gssapi.RequirementFlag.mutual_authentication,
                 gssapi.RequirementFlag.integrity,
                 gssapi.RequirementFlag.confidentiality]
        ctx = gssapi.SecurityContext(name=name, mech=mech, usage="initiate", flags=flags, creds=cred)
    else:
        ctx = gssapi.SecurityContext(usage="accept")
    first = True
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd, args = parts[0], parts[1:]
        try:
            if cmd == "STEP":
                tok = unh(args[0])
                if first and cfg["role"] == "initiator":
                    tok = None
                first = False
                out = ctx.step(tok)
                print("OUT", h(out), 1 if ctx.complete else 0, flush=True)
            elif cmd == "MIC":
                print("OUT", h(ctx.get_signature(unh(args[0]))), flush=True)
            elif cmd == "VERIFY":
                ctx.verify_signature(unh(args[0]), unh(args[1]))
                print("OK", flush=True)
            elif cmd == "WRAP":
                print("OUT", h(ctx.wrap(unh(args[0]), True).message), flush=True)
            elif cmd == "UNWRAP":
                print("OUT", h(ctx.unwrap(unh(args[0])).message), flush=True)
            elif cmd == "INFO":
                info = {"mech": str(ctx.mech) if ctx.complete else "",
                        "initiator": str(ctx.initiator_name) if ctx.complete else "",
                        "acceptor": str(ctx.target_name) if ctx.complete else "",
                        "complete": bool(ctx.complete)}
                print("INFO", json.dumps(info), flush=True)
            else:
                print("ERR unknown command", cmd, flush=True)
        except gssapi.exceptions.GSSError as e:
            print("ERR", str(e).replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
