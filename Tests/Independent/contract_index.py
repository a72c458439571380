#!/usr/bin/env python3
"""Contract index (INDEX-SPEC §1-§2, evchain(1) CONTRACT INDEX), written from
the spec alone with hashlib: keys, chains, leaf and inner hashes, the compact
sparse Merkle tree's root, canonical (shortest) proofs, and a verifier.

stdin: {"contracts": {"<contract>": [[seq, "<leaf hex>"], ...], ...},
        "queries": ["<contract>", ...],
        "verify": [{"root": "<hex>", "proof": {...}}, ...]}      (each optional)
stdout: {"root": hex, "values": {contract: leaf json}, "proofs": [proof json],
         "verified": [{"ok": bool, "member": leaf json | null, "error": str}]}
"""
import hashlib
import json
import sys

ZERO = bytes(32)


def sha(b):
    return hashlib.sha256(b).digest()


def key(contract):
    return sha(b"\x10" + contract.encode("utf-8"))


def chain_step(prev, leaf):
    return sha(b"\x11" + prev + leaf)


def leaf_hash(k, count, last, chain):
    return sha(b"\x12" + k + count.to_bytes(8, "big") + last.to_bytes(8, "big") + chain)


def inner(l, r):
    return sha(b"\x13" + l + r)


def bit(k, i):
    return (k[i // 8] >> (7 - i % 8)) & 1


def value(entries):
    chain = ZERO
    for _, leaf in entries:
        chain = chain_step(chain, leaf)
    return (len(entries), entries[-1][0], chain)


def subtree(leaves, depth):
    """leaves: list of (key, count, last, chain)."""
    if not leaves:
        return ZERO
    if len(leaves) == 1:
        return leaf_hash(*leaves[0])
    zero = [l for l in leaves if bit(l[0], depth) == 0]
    one = [l for l in leaves if bit(l[0], depth) == 1]
    return inner(subtree(zero, depth + 1), subtree(one, depth + 1))


def prove(leaves, contract):
    k = key(contract)
    siblings = []
    depth = 0
    here = leaves
    while len(here) >= 2:
        zero = [l for l in here if bit(l[0], depth) == 0]
        one = [l for l in here if bit(l[0], depth) == 1]
        if bit(k, depth) == 0:
            siblings.append(subtree(one, depth + 1))
            here = zero
        else:
            siblings.append(subtree(zero, depth + 1))
            here = one
        depth += 1
    terminal = None
    if here:
        lk, count, last, chain = here[0]
        terminal = {"key": lk.hex(), "count": count, "last": last, "chain": chain.hex()}
    return {"contract": contract, "key": k.hex(), "siblings": [s.hex() for s in siblings], "leaf": terminal}


def verify(root, proof):
    k = key(proof["contract"])
    if proof["key"] != k.hex():
        raise ValueError("key is not the key of the contract")
    siblings = [bytes.fromhex(s) for s in proof["siblings"]]
    d = len(siblings)
    if d > 256:
        raise ValueError("too many siblings")
    leaf = proof["leaf"]
    member = None
    if leaf is None:
        t = ZERO
    else:
        lk = bytes.fromhex(leaf["key"])
        if lk == k:
            if leaf["count"] < 1:
                raise ValueError("count 0")
            member = leaf
        elif any(bit(lk, i) != bit(k, i) for i in range(d)):
            raise ValueError("leaf off the key path")
        t = leaf_hash(lk, leaf["count"], leaf["last"], bytes.fromhex(leaf["chain"]))
    for i in range(d - 1, -1, -1):
        t = inner(t, siblings[i]) if bit(k, i) == 0 else inner(siblings[i], t)
    if t != bytes.fromhex(root):
        raise ValueError("root mismatch")
    return member


def main():
    request = json.load(sys.stdin)
    contracts = request.get("contracts", {})
    values = {}
    leaves = []
    for contract, entries in contracts.items():
        entries = [(int(s), bytes.fromhex(h)) for s, h in entries]
        count, last, chain = value(entries)
        k = key(contract)
        values[contract] = {"key": k.hex(), "count": count, "last": last, "chain": chain.hex()}
        leaves.append((k, count, last, chain))
    out = {"root": subtree(leaves, 0).hex(), "values": values,
           "proofs": [prove(leaves, c) for c in request.get("queries", [])], "verified": []}
    for item in request.get("verify", []):
        try:
            out["verified"].append({"ok": True, "member": verify(item["root"], item["proof"]), "error": ""})
        except (ValueError, KeyError, TypeError) as e:
            out["verified"].append({"ok": False, "member": None, "error": str(e)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
