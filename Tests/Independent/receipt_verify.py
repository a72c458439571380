#!/usr/bin/env python3
"""Independent checker of an evchain contract receipt (evidence-contract-receipt/v1),
written from evverify(1) RECEIPTS and evchain(1) CONTRACT INDEX only (RFC 9162,
C2SP signed-note, tlog-checkpoint, tlog-cosignature/v1; Ed25519 by `cryptography`).
Usage: receipt_verify.py LOG_VKEY [WITNESS_VKEY ...] < receipt.json
Every witness key given must have cosigned. Prints "ok N entries" or "fail: reason"."""
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

try:
    import rfc8785

    def jcs(v):
        return rfc8785.dumps(v)
except ImportError:  # plain strings and integers only: sorted compact JSON is JCS
    def jcs(v):
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def h(b):
    return hashlib.sha256(b).digest()


class Fail(Exception):
    pass


def parse_vkey(vkey):
    name, keyid, material = vkey.split("+", 2)
    material = base64.b64decode(material, validate=True)
    if h(name.encode() + b"\n" + material[:1] + material[1:])[:4].hex() != keyid:
        raise Fail("key id of " + name)
    return name, bytes.fromhex(keyid), material[0], Ed25519PublicKey.from_public_bytes(material[1:])


def check_note(note, log_vkey, witness_vkeys):
    i = note.rfind("\n\n")
    if i < 0:
        raise Fail("note has no signature block")
    text, sigs = note[: i + 1], note[i + 2:]
    lines = [s for s in sigs.split("\n") if s]
    keys = [(parse_vkey(log_vkey), "log")] + [(parse_vkey(w), "witness") for w in witness_vkeys]
    for (name, keyid, typ, pub), role in keys:
        ok = False
        for s in lines:
            if not s.startswith("\u2014 "):
                raise Fail("bad signature line")
            sname, blob = s[2:].split(" ")
            blob = base64.b64decode(blob, validate=True)
            if sname != name or blob[:4] != keyid:
                continue
            try:
                if typ == 1:
                    pub.verify(blob[4:], text.encode())
                elif typ == 4:
                    (t,) = struct.unpack(">Q", blob[4:12])
                    pub.verify(blob[12:], b"cosignature/v1\ntime %d\n" % t + text.encode())
                else:
                    raise Fail("key type")
                ok = True
            except InvalidSignature:
                raise Fail("bad signature by " + name)
        if not ok:
            raise Fail("no valid signature by the %s key %s" % (role, name))
    body = text.split("\n")[:-1]
    if body[0] != parse_vkey(log_vkey)[0]:
        raise Fail("origin is not the log key's name")
    size, root = int(body[1]), base64.b64decode(body[2], validate=True)
    index = [l for l in body[3:] if l.startswith("evidence/contract-index/v1 ")]
    if len(index) != 1:
        raise Fail("not exactly one contract-index line")
    index_root = base64.b64decode(index[0].split(" ", 1)[1], validate=True)
    if len(root) != 32 or len(index_root) != 32:
        raise Fail("root size")
    return size, root, index_root


def verify_inclusion(index, size, leaf, path, root):
    # RFC 9162 section 2.1.3.2
    if index >= size:
        raise Fail("seq beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Fail("path too long")
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Fail("inclusion proof of seq %d" % index)


def leaf_node(key, count, last, chain):
    return h(b"\x12" + key + struct.pack(">QQ", count, last) + chain)


def verify_index(proof, contract, index_root):
    key = h(b"\x10" + contract.encode())
    if proof["contract"] != contract or bytes.fromhex(proof["key"]) != key:
        raise Fail("index proof is for another contract")
    sib = [bytes.fromhex(s) for s in proof["siblings"]]
    d = len(sib)
    if d > 256:
        raise Fail("index proof too long")
    leaf = proof["leaf"]
    if leaf is None:
        t, value = bytes(32), None
    else:
        lk = bytes.fromhex(leaf["key"])
        t = leaf_node(lk, leaf["count"], leaf["last"], bytes.fromhex(leaf["chain"]))
        if lk == key:
            value = (leaf["count"], leaf["last"], bytes.fromhex(leaf["chain"]))
        else:
            value = None
            kb, lb = int.from_bytes(key, "big"), int.from_bytes(lk, "big")
            if d and (kb >> (256 - d)) != (lb >> (256 - d)):
                raise Fail("non-membership leaf off the key's path")
    kint = int.from_bytes(key, "big")
    for i in range(d - 1, -1, -1):
        bit = (kint >> (255 - i)) & 1
        t = h(b"\x13" + sib[i] + t) if bit else h(b"\x13" + t + sib[i])
    if t != index_root:
        raise Fail("index proof does not lead to the index root")
    if value is None:
        raise Fail("index proof shows the contract absent")
    return value


def main():
    r = json.loads(sys.stdin.buffer.read())
    if r["type"] != "evidence-contract-receipt/v1":
        raise Fail("type")
    contract = r["contract"]
    size, root, index_root = check_note(r["checkpoint"]["note"], sys.argv[1], sys.argv[2:])
    count, last, chain = verify_index(r["index_proof"], contract, index_root)
    c, prev, last_seq = bytes(32), -1, None
    if not r["entries"]:
        raise Fail("no entries")
    for e in r["entries"]:
        if e["record"].get("contract") != contract:
            raise Fail("entry %d is another contract's" % e["seq"])
        if e["seq"] <= prev:
            raise Fail("seqs not increasing")
        prev = e["seq"]
        leaf = h(b"\x00" + jcs({"seq": e["seq"], "time": e["time"], "record": e["record"]}))
        if leaf.hex() != e["leaf"]:
            raise Fail("leaf of seq %d" % e["seq"])
        verify_inclusion(e["seq"], size, leaf, [bytes.fromhex(p) for p in e["proof"]], root)
        c = h(b"\x11" + c + leaf)
        last_seq = e["seq"]
    if (len(r["entries"]), last_seq, c) != (count, last, chain):
        raise Fail("entries do not reproduce the index value")
    return "ok %d entries" % count


try:
    print(main())
except (Fail, KeyError, ValueError, TypeError) as e:
    print("fail: %s" % e)
