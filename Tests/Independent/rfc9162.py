#!/usr/bin/env python3
"""Independent RFC 9162 §2.1 verifier, written from the RFC text alone.

Reads JSON on stdin: {"leaves": [hex entry...], "cases": [...]} where a case is
{"kind": "root", "size": n, "root": hex} or
{"kind": "inclusion", "index": m, "size": n, "leaf": hex, "path": [hex], "root": hex} or
{"kind": "consistency", "old": m, "new": n, "old_root": hex, "new_root": hex, "path": [hex]}.
Prints one line per case: "ok" or "fail".
"""
import hashlib
import json
import sys


def h(b):
    return hashlib.sha256(b).digest()


def mth(d):
    # §2.1.1
    n = len(d)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + mth(d[:k]) + mth(d[k:]))


def verify_inclusion(index, size, leaf, path, root):
    # §2.1.3.2
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, old_root, new_root, path):
    # §2.1.4.2; the empty proofs of §2.1.4.1 (m == n, m == 0) handled first.
    if m > n:
        return False
    if m == n:
        return path == [] and old_root == new_root
    if m == 0:
        return path == [] and old_root == h(b"")
    if not path:
        return False
    if m & (m - 1) == 0:
        path = [old_root] + path
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = h(b"\x01" + c + fr)
            sr = h(b"\x01" + c + sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = h(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def main():
    doc = json.load(sys.stdin)
    leaves = [bytes.fromhex(x) for x in doc["leaves"]]
    b = bytes.fromhex
    for c in doc["cases"]:
        if c["kind"] == "root":
            ok = mth(leaves[: c["size"]]) == b(c["root"])
        elif c["kind"] == "inclusion":
            ok = verify_inclusion(c["index"], c["size"], b(c["leaf"]), [b(p) for p in c["path"]], b(c["root"]))
        else:
            ok = verify_consistency(c["old"], c["new"], b(c["old_root"]), b(c["new_root"]), [b(p) for p in c["path"]])
        print("ok" if ok else "fail")


if __name__ == "__main__":
    main()
