#!/usr/bin/python3
"""An independent GSS peer for gssapi_unix's interop tests: python3-gssapi
(MIT libgssapi_krb5) as initiator or acceptor, talking line by line on
stdin/stdout:

  TOK <hex>          a context token, either way
  ESTABLISHED <initiator name> <acceptor name>   the peer's context is complete
  MIC <hex> / WRAP <hex>   the peer's MIC over b"from-python" and its sealed
                     wrap of b"from-python-sealed"; the test answers with its own
                     MIC over b"from-go" and sealed wrap of b"from-go-sealed"
  OK | ERR <text>    the peer's verdict on those

usage: peer.py initiate TARGET MECH | peer.py accept MECH   (MECH: krb5|spnego)
"""
import sys

import gssapi

MECHS = {"krb5": gssapi.MechType.kerberos,
         "spnego": gssapi.OID.from_int_seq("1.3.6.1.5.5.2")}
F = gssapi.RequirementFlag


def send(verb, data=b""):
    sys.stdout.write("%s %s\n" % (verb, data.hex() if isinstance(data, bytes) else data))
    sys.stdout.flush()


def recv(verb):
    line = sys.stdin.readline().split()
    if not line or line[0] != verb:
        raise SystemExit("peer.py: expected %s, got %r" % (verb, line))
    return bytes.fromhex(line[1]) if len(line) > 1 else b""


def main():
    role = sys.argv[1]
    if role == "initiate":
        target = gssapi.Name(sys.argv[2], gssapi.NameType.hostbased_service)
        ctx = gssapi.SecurityContext(name=target, usage="initiate", mech=MECHS[sys.argv[3]],
                                     flags=F.mutual_authentication | F.integrity | F.confidentiality
                                     | F.out_of_sequence_detection | F.replay_detection)
        tok = ctx.step()
        send("TOK", tok)
        while not ctx.complete:
            tok = ctx.step(recv("TOK"))
            if tok:
                send("TOK", tok)
    else:
        ctx = gssapi.SecurityContext(usage="accept")
        while not ctx.complete:
            tok = ctx.step(recv("TOK"))
            if tok:
                send("TOK", tok)
    send("ESTABLISHED", "%s %s" % (ctx.initiator_name, ctx.target_name))
    send("MIC", ctx.get_signature(b"from-python"))
    send("WRAP", ctx.wrap(b"from-python-sealed", True).message)
    try:
        ctx.verify_signature(b"from-go", recv("MIC"))
        res = ctx.unwrap(recv("WRAP"))
        if res.message != b"from-go-sealed" or not res.encrypted:
            raise ValueError("unwrapped %r encrypted=%r" % (res.message, res.encrypted))
    except Exception as e:  # report, do not crash: the test prints it
        send("ERR", repr(e).replace(" ", "_"))
        return
    send("OK")


if __name__ == "__main__":
    main()
