#!/usr/bin/env python3
"""Independent verifier of evchain inclusion-proof lines (JSON Lines on stdin),
from DESIGN.md, RFC 9162 §2.1.3.2, C2SP signed-note and tlog-checkpoint only.
Usage: verify_proofs.py LOG_VKEY. Prints one "ok" or "fail: reason" per line."""
import base64
import hashlib
import json
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


def check(line, vkey):
    p = json.loads(line)
    entry = jcs({"seq": p["seq"], "time": p["time"], "record": p["record"]})
    leaf = h(b"\x00" + entry)
    if leaf.hex() != p["leaf"]:
        return "fail: leaf"
    fn, sn, r = p["seq"], p["tree_size"] - 1, leaf
    if fn > sn:
        return "fail: index"
    for x in p["proof"]:
        x = bytes.fromhex(x)
        if sn == 0:
            return "fail: path too long"
        if fn & 1 or fn == sn:
            r = h(b"\x01" + x + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = h(b"\x01" + r + x)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r.hex() != p["root"]:
        return "fail: root"
    note = p["checkpoint"]
    i = note.rfind("\n\n")
    text, sigs = note[: i + 1], note[i + 2 :]
    lines = text.split("\n")
    if int(lines[1]) != p["tree_size"] or base64.b64decode(lines[2]) != r:
        return "fail: checkpoint does not match"
    name, keyid, material = vkey.split("+", 2)
    material = base64.b64decode(material)
    key = Ed25519PublicKey.from_public_bytes(material[1:])
    for s in sigs.split("\n")[:-1]:
        sname, blob = s[2:].split(" ")
        blob = base64.b64decode(blob)
        if sname == name and blob[:4].hex() == keyid:
            try:
                key.verify(blob[4:], text.encode())
                return "ok"
            except InvalidSignature:
                return "fail: signature"
    return "fail: no signature"


for line in sys.stdin:
    if line.strip():
        print(check(line, sys.argv[1]))
