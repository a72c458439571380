#!/usr/bin/env python3
"""Independent check of a contract's completeness from an `evchain prove` bundle
of the query {"contract":C} (JSON Lines on stdin), written from evverify(1),
COMPLETENESS, "Checking it independently", RFC 9162 §2.1.3.2 and C2SP
signed-note / tlog-checkpoint only.
Usage: completeness_check.py LOG_VKEY CONTRACT.
Prints "complete N" (N entries), "absent", or "fail: reason"."""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import contract_index
from chain_entry import entry_leaf
from rfc9162 import h, verify_inclusion

INDEX_LINE = "evidence/contract-index/v1"


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
    member = contract_index.verify(index_root.hex(), p)
    return None if member is None else (member["count"], member["last"], bytes.fromhex(member["chain"]))


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
        leaf = entry_leaf(p["seq"], p["time"], p["record"])
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
