#!/usr/bin/env python3
"""Baseline for evpsi's Paillier: python-paillier with gmpy2, 2048-bit key,
N encryptions, N decryptions, N additions, each timed as the same file-to-
file work evpsi's commands do (parse JSON lines, compute, print JSON lines).
Usage: paillier_phe.py N DIR   (DIR holds key.json from evpsi). Prints
"encrypt S", "decrypt S", "add S"."""
import json
import sys
import time

from phe import paillier, util

n, d = int(sys.argv[1]), sys.argv[2]
key = json.load(open(d + "/key.json"))
pub = paillier.PaillierPublicKey(util.base64_to_int(key["pub"]["n"]))
priv = paillier.PaillierPrivateKey(pub, util.base64_to_int(key["p"]), util.base64_to_int(key["q"]))
values = [json.loads(line)["value"] for line in open(d + "/values.jsonl")]

t0 = time.time()
out = [json.dumps({"v": str(c.ciphertext()), "e": c.exponent}) for c in (pub.encrypt(v) for v in values)]
t_enc = time.time() - t0
open(d + "/phe.ct", "w").write("\n".join(out) + "\n")

t0 = time.time()
cts = [paillier.EncryptedNumber(pub, int(json.loads(l)["v"]), 0) for l in open(d + "/phe.ct")]
dec = [json.dumps({"value": priv.decrypt(c)}) for c in cts]
t_dec = time.time() - t0
assert [json.loads(x)["value"] for x in dec] == values

t0 = time.time()
a = [paillier.EncryptedNumber(pub, int(json.loads(l)["v"]), 0) for l in open(d + "/phe.ct")]
b = [paillier.EncryptedNumber(pub, int(json.loads(l)["v"]), 0) for l in open(d + "/phe.ct")]
# be_secure=False: the plain homomorphic add, as evpsi's 'paillier add' does
# (phe's default would also rerandomise each sum, costing an encryption).
s = [json.dumps({"v": str((x + y).ciphertext(be_secure=False)), "e": 0}) for x, y in zip(a, b)]
t_add = time.time() - t0
print("encrypt %.4f\ndecrypt %.4f\nadd %.4f" % (t_enc, t_dec, t_add))
