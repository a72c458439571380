#!/usr/bin/env python3
"""Independent verifier of a C2SP tlog-proof@v1 text (stdin) whose `extra`
line carries the entry bytes, written from c2sp.org/tlog-proof, RFC 9162
§2.1.3.2 and c2sp.org/signed-note. Usage: tlog_proof_verify.py LOG_VKEY.
Prints "ok" or "fail: reason"."""
import base64
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from rfc9162 import h, verify_inclusion


def main():
    text = sys.stdin.read()
    lines = text.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        return "fail: header"
    i = 1
    entry = None
    if lines[i].startswith("extra "):
        entry = base64.b64decode(lines[i][6:], validate=True)
        i += 1
    if not lines[i].startswith("index "):
        return "fail: index line"
    index = int(lines[i][6:])
    i += 1
    path = []
    while lines[i] != "":
        path.append(base64.b64decode(lines[i], validate=True))
        i += 1
    note = "\n".join(lines[i + 1 :])
    j = note.rfind("\n\n")
    body, sigs = note[: j + 1], note[j + 2 :]
    origin, size, root = body.split("\n")[:3]
    size, root = int(size), base64.b64decode(root)
    if not verify_inclusion(index, size, h(b"\x00" + entry), path, root):
        return "fail: root"
    name, keyid, material = sys.argv[1].split("+", 2)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(material)[1:])
    for s in sigs.split("\n")[:-1]:
        sname, blob = s[2:].split(" ")
        blob = base64.b64decode(blob)
        if sname == name and blob[:4].hex() == keyid:
            try:
                key.verify(blob[4:], body.encode())
                return "ok"
            except InvalidSignature:
                return "fail: signature"
    return "fail: no signature"


print(main())
