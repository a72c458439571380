#!/usr/bin/env python3
"""Independent checker of an evchain contract receipt (evidence-contract-receipt/v1),
written from evverify(1) RECEIPTS and evchain(1) CONTRACT INDEX only (RFC 9162,
C2SP signed-note, tlog-checkpoint, tlog-cosignature/v1; Ed25519 by `cryptography`).
Usage: receipt_verify.py LOG_VKEY [WITNESS_VKEY ...] < receipt.json
Every witness key given must have cosigned. Prints "ok N entries" or "fail: reason"."""
import base64
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import contract_index
import rfc9162
from chain_entry import entry_leaf
from rfc9162 import h


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
    if not rfc9162.verify_inclusion(index, size, leaf, path, root):
        raise Fail("inclusion proof of seq %d" % index)


def verify_index(proof, contract, index_root):
    """The contract's (count, last, chain) from its index proof."""
    if proof["contract"] != contract:
        raise Fail("index proof is for another contract")
    member = contract_index.verify(index_root.hex(), proof)
    if member is None:
        raise Fail("index proof shows the contract absent")
    return member["count"], member["last"], bytes.fromhex(member["chain"])


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
        leaf = entry_leaf(e["seq"], e["time"], e["record"])
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
