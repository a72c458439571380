#!/usr/bin/env python3
"""Independent check of a contract's completeness from an `evchain prove` bundle
of the query {"contract":C} (JSON Lines on stdin), written from evverify(1),
COMPLETENESS, "Checking it independently", RFC 9162 §2.1.3.2 and C2SP
signed-note / tlog-checkpoint only.
Usage: completeness_check.py LOG_VKEY CONTRACT.
Prints "complete N" (N entries), "absent", or "fail: reason"."""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
import rfc8785

INDEX_LINE = "evidence/contract-index/v1"


def h(b):
    return hashlib.sha256(b).digest()


def bit(key, i):
    return (key[i // 8] >> (7 - i % 8)) & 1


def open_checkpoint(note, vkey):
    """The checkpoint's size, root and index root, once the log key signed it."""
    i = note.rfind("\n\n")
    text, sigs = note[: i + 1], note[i + 2 :]
    name, keyid, material = vkey.split("+", 2)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(material)[1:])
    signed = False
    for s in sigs.split("\n")[:-1]:
        sname, blob = s[2:].split(" ")
        blob = base64.b64decode(blob)
        if sname == name and blob[:4].hex() == keyid:
            try:
                key.verify(blob[4:], text.encode())
                signed = True
            except InvalidSignature:
                raise ValueError("checkpoint signature")
    if not signed:
        raise ValueError("checkpoint not signed by the log key")
    lines = text.split("\n")[:-1]
    roots = [l[len(INDEX_LINE) + 1 :] for l in lines[3:] if l.split(" ")[0] == INDEX_LINE]
    if len(roots) != 1:
        raise ValueError("checkpoint has %d contract index lines" % len(roots))
    index_root = base64.b64decode(roots[0], validate=True)
    if len(index_root) != 32:
        raise ValueError("index root is not 32 bytes")
    return int(lines[1]), base64.b64decode(lines[2]), index_root


def verify_index_proof(p, contract, index_root):
    """(count, last, chain) for membership, None for absence; raises if it does not hold."""
    if p["contract"].encode() != contract.encode():
        raise ValueError("index proof is for another contract")
    k = h(b"\x10" + contract.encode("utf-8"))
    if bytes.fromhex(p["key"]) != k:
        raise ValueError("key is not SHA-256(0x10 || contract)")
    siblings = [bytes.fromhex(s) for s in p["siblings"]]
    d = len(siblings)
    if d > 256:
        raise ValueError("more than 256 siblings")
    leaf = p["leaf"]
    value = None
    if leaf is None:
        t = bytes(32)
    else:
        lk, chain = bytes.fromhex(leaf["key"]), bytes.fromhex(leaf["chain"])
        count, last = leaf["count"], leaf["last"]
        t = h(b"\x12" + lk + count.to_bytes(8, "big") + last.to_bytes(8, "big") + chain)
        if lk == k:
            value = (count, last, chain)
        elif any(bit(lk, i) != bit(k, i) for i in range(d)):
            raise ValueError("absence: the leaf's key leaves the contract's path")
    for i in range(d - 1, -1, -1):
        t = h(b"\x13" + t + siblings[i]) if bit(k, i) == 0 else h(b"\x13" + siblings[i] + t)
    if t != index_root:
        raise ValueError("index proof does not lead to the index root")
    return value


def verify_inclusion(index, size, leaf, path, root):
    fn, sn, r = index, size - 1, leaf
    if fn > sn:
        return False
    for x in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h(b"\x01" + x + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = h(b"\x01" + r + x)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check(lines, vkey, contract):
    index_lines = [l for l in lines if "contract_index" in l]
    if len(index_lines) != 1:
        raise ValueError("%d contract index lines" % len(index_lines))
    il = index_lines[0]
    size, root, index_root = open_checkpoint(il["checkpoint"], vkey)
    if il["tree_size"] != size:
        raise ValueError("index proof is for another tree size")
    value = verify_index_proof(il["contract_index"], contract, index_root)
    entries = {}
    for p in lines:
        if "contract_index" in p:
            continue
        if p["checkpoint"] != il["checkpoint"] or p["tree_size"] != size:
            raise ValueError("entry %d proven against another checkpoint" % p["seq"])
        leaf = h(b"\x00" + rfc8785.dumps({"seq": p["seq"], "time": p["time"], "record": p["record"]}))
        if leaf.hex() != p["leaf"]:
            raise ValueError("entry %d: leaf is not the hash of its bytes" % p["seq"])
        if not verify_inclusion(p["seq"], size, leaf, [bytes.fromhex(x) for x in p["proof"]], root):
            raise ValueError("entry %d: audit path does not lead to the root" % p["seq"])
        if p["record"].get("contract", "").encode() != contract.encode():
            raise ValueError("entry %d is of another contract" % p["seq"])
        entries[p["seq"]] = leaf
    if value is None:
        if entries:
            raise ValueError("the index shows the contract absent, yet entries are proven")
        return "absent"
    count, last, chain = value
    c = bytes(32)
    for seq in sorted(entries):
        c = h(b"\x11" + c + entries[seq])
    if len(entries) != count or max(entries, default=None) != last or c != chain:
        raise ValueError("entries do not reproduce the index value (count %d, last %d)" % (count, last))
    return "complete %d" % count


def main():
    lines = [json.loads(l) for l in sys.stdin if l.strip()]
    try:
        print(check(lines, sys.argv[1], sys.argv[2]))
    except (ValueError, KeyError, TypeError) as e:
        print("fail: %s" % e)


main()
