#!/usr/bin/env python3
"""Reads and writes evpsi's Paillier files with python-paillier (phe).

The formats are pheutil's (phe/command_line.py): keys as JWK-like objects
with base64url integers, ciphertexts as {"v": "<decimal>", "e": 0}, one per
line. Usage:

  phe_interop.py keygen BITS > key.json            private key (chmod 600 it)
  phe_interop.py encrypt PUB.json < values.jsonl   {"value": n} lines -> ciphertext lines
  phe_interop.py decrypt KEY.json < ct.jsonl       ciphertext lines -> {"value": n} lines
  phe_interop.py add PUB.json A.jsonl B.jsonl      line-wise homomorphic sums
"""
import json
import sys

from phe import paillier, util


def load_public(path):
    with open(path) as f:
        key = json.load(f)
    key = key.get("pub", key)
    assert key["kty"] == "DAJ"
    return paillier.PaillierPublicKey(util.base64_to_int(key["n"]))


def load_private(path):
    with open(path) as f:
        key = json.load(f)
    assert "decrypt" in key["key_ops"]
    pub = paillier.PaillierPublicKey(util.base64_to_int(key["pub"]["n"]))
    return paillier.PaillierPrivateKey(pub, util.base64_to_int(key["p"]), util.base64_to_int(key["q"]))


def ciphertexts(pub, lines):
    for line in lines:
        if line.strip():
            c = json.loads(line)
            yield paillier.EncryptedNumber(pub, int(c["v"]), int(c.get("e", 0)))


def main(argv):
    cmd = argv[1]
    if cmd == "keygen":
        pub, priv = paillier.generate_paillier_keypair(n_length=int(argv[2]))
        jwk_pub = {"kty": "DAJ", "alg": "PAI-GN1", "key_ops": ["encrypt"],
                   "n": util.int_to_base64(pub.n), "kid": "phe_interop.py"}
        print(json.dumps({"kty": "DAJ", "key_ops": ["decrypt"], "p": util.int_to_base64(priv.p),
                          "q": util.int_to_base64(priv.q), "pub": jwk_pub, "kid": "phe_interop.py"}))
    elif cmd == "encrypt":
        pub = load_public(argv[2])
        for line in sys.stdin:
            if line.strip():
                c = pub.encrypt(int(json.loads(line)["value"]))
                print(json.dumps({"v": str(c.ciphertext()), "e": c.exponent}))
    elif cmd == "decrypt":
        priv = load_private(argv[2])
        for c in ciphertexts(priv.public_key, sys.stdin):
            print(json.dumps({"value": priv.decrypt(c)}))
    elif cmd == "add":
        pub = load_public(argv[2])
        with open(argv[3]) as fa, open(argv[4]) as fb:
            for a, b in zip(ciphertexts(pub, fa), ciphertexts(pub, fb)):
                s = a + b
                print(json.dumps({"v": str(s.ciphertext()), "e": s.exponent}))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
