#!/usr/bin/env python3
"""Baseline for evpsi's Paillier: python-paillier with gmpy2, one operation
per run, file to file as evpsi's commands work (read JSON lines, compute,
print JSON lines), so that timing the whole process compares like with like.
Usage:
  paillier_phe.py encrypt PUB.json VALUES.jsonl > ct.jsonl
  paillier_phe.py decrypt KEY.json CT.jsonl > values.jsonl
  paillier_phe.py add PUB.json A.jsonl B.jsonl > sum.jsonl
Keys and ciphertexts are evpsi's (pheutil's) JSON."""
import json
import sys

from phe import paillier, util


def public(path):
    key = json.load(open(path))
    return paillier.PaillierPublicKey(util.base64_to_int(key.get("pub", key)["n"]))


def ciphertexts(pub, path):
    return [paillier.EncryptedNumber(pub, int(json.loads(l)["v"]), 0) for l in open(path) if l.strip()]


op = sys.argv[1]
out = sys.stdout
if op == "encrypt":
    pub = public(sys.argv[2])
    for line in open(sys.argv[3]):
        c = pub.encrypt(json.loads(line)["value"])
        out.write(json.dumps({"v": str(c.ciphertext()), "e": c.exponent}) + "\n")
elif op == "decrypt":
    key = json.load(open(sys.argv[2]))
    pub = public(sys.argv[2])
    priv = paillier.PaillierPrivateKey(pub, util.base64_to_int(key["p"]), util.base64_to_int(key["q"]))
    for c in ciphertexts(pub, sys.argv[3]):
        out.write(json.dumps({"value": priv.decrypt(c)}, separators=(",", ":")) + "\n")
elif op == "add":
    pub = public(sys.argv[2])
    for x, y in zip(ciphertexts(pub, sys.argv[3]), ciphertexts(pub, sys.argv[4])):
        # be_secure=False: the plain homomorphic add, as evpsi's 'paillier add'
        # does (phe's default would also rerandomise each sum).
        out.write(json.dumps({"v": str((x + y).ciphertext(be_secure=False)), "e": 0}) + "\n")
