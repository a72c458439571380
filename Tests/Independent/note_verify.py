#!/usr/bin/env python3
"""Independent C2SP signed-note / tlog-cosignature/v1 verifier (Ed25519 by the
`cryptography` package), written from the specs. Usage: note_verify.py VKEY < note
Prints "ok" when a signature by VKEY verifies, else "fail: reason"."""
import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def main():
    vkey = sys.argv[1]
    name, keyid_hex, material = vkey.split("+", 2)
    material = base64.b64decode(material, validate=True)
    sig_type, pub = material[0], material[1:]
    if hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + pub).digest()[:4] != bytes.fromhex(keyid_hex):
        return "fail: key id"
    note = sys.stdin.buffer.read().decode("utf-8")
    if not note.endswith("\n"):
        return "fail: no final newline"
    i = note.rfind("\n\n")
    if i < 0:
        return "fail: no blank line"
    text, sigs = note[: i + 1], note[i + 2 :]
    key = Ed25519PublicKey.from_public_bytes(pub)
    found = False
    for line in sigs.split("\n")[:-1]:
        if not line.startswith("\u2014 "):
            return "fail: bad signature line"
        sname, blob = line[2:].split(" ")
        blob = base64.b64decode(blob, validate=True)
        if sname != name or blob[:4] != bytes.fromhex(keyid_hex):
            continue
        try:
            if sig_type == 1:
                key.verify(blob[4:], text.encode())
            elif sig_type == 4:
                (t,) = struct.unpack(">Q", blob[4:12])
                key.verify(blob[12:], ("cosignature/v1\ntime %d\n" % t).encode() + text.encode())
            else:
                return "fail: type"
        except InvalidSignature:
            return "fail: bad signature"
        found = True
    return "ok" if found else "fail: no signature by key"


print(main())
