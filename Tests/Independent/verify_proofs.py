#!/usr/bin/env python3
"""Independent verifier of evchain inclusion-proof lines (JSON Lines on stdin),
from DESIGN.md, RFC 9162 §2.1.3.2, C2SP signed-note and tlog-checkpoint only.
Usage: verify_proofs.py LOG_VKEY. Prints one "ok" or "fail: reason" per line."""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chain_entry import entry_leaf
from rfc9162 import verify_inclusion


def check(line, vkey):
    p = json.loads(line)
    leaf = entry_leaf(p["seq"], p["time"], p["record"])
    if leaf.hex() != p["leaf"]:
        return "fail: leaf"
    r = bytes.fromhex(p["root"])
    if not verify_inclusion(p["seq"], p["tree_size"], leaf, [bytes.fromhex(x) for x in p["proof"]], r):
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
