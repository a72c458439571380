#!/usr/bin/env python3
"""RFC 3161 tokens with a chosen genTime, for tests: a TSA whose certificate
has expired by now but was valid when it stamped, a genTime in the future,
a token over an MD5 or SHA-1 imprint. `openssl ts -reply` always stamps the
present, so the TSTInfo is written here (DER by hand) and signed with
`openssl cms -sign -cades` (which adds the ESS signingCertificateV2
attribute RFC 3161 / RFC 5816 require); the certificates come from the
`cryptography` package with explicit validity dates.

Usage: tsa_token.py DIR DATA OUT [--gen-time YYYYMMDDhhmmssZ] [--alg sha256]
                    [--not-before YYYYMMDDhhmmssZ] [--not-after YYYYMMDDhhmmssZ]
DIR keeps ca.pem/ca.key (made once, valid 2000-2099) and, per call, a TSA
certificate with the given validity (default: 2000 to 2099). DATA is the
stamped file; OUT receives the DER TimeStampResp (status granted).
"""
import argparse
import datetime
import hashlib
import os
import subprocess

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("data")
p.add_argument("out")
p.add_argument("--gen-time", default=None)
p.add_argument("--alg", default="sha256")
p.add_argument("--not-before", default="20000101000000Z")
p.add_argument("--not-after", default="20991231000000Z")
a = p.parse_args()


def when(text):
    return datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def integer(v):
    return tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big"))


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for v in parts[2:]:
        chunk = [v & 0x7F]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7F))
            v >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)


def seq(*items):
    return tlv(0x30, b"".join(items))


algs = {"md5": "1.2.840.113549.2.5", "sha1": "1.3.14.3.2.26", "sha256": "2.16.840.1.101.3.4.2.1",
        "sha512": "2.16.840.1.101.3.4.2.3"}

os.makedirs(a.dir, exist_ok=True)
ca_key_path, ca_pem_path = os.path.join(a.dir, "ca.key"), os.path.join(a.dir, "ca.pem")
if not os.path.exists(ca_pem_path):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA CA (dated)")])
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(when("20000101000000Z")).not_valid_after(when("20991231000000Z"))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    open(ca_key_path, "wb").write(ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    open(ca_pem_path, "wb").write(ca.public_bytes(serialization.Encoding.PEM))
ca_key = serialization.load_pem_private_key(open(ca_key_path, "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(ca_pem_path, "rb").read())

tsa_key = ec.generate_private_key(ec.SECP256R1())
tsa = (x509.CertificateBuilder()
       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA (dated)")]))
       .issuer_name(ca.subject).public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
       .not_valid_before(when(a.not_before)).not_valid_after(when(a.not_after))
       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
       .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
       .sign(ca_key, hashes.SHA256()))
tsa_pem, tsa_key_pem = os.path.join(a.dir, "tsa-dated.pem"), os.path.join(a.dir, "tsa-dated.key")
open(tsa_pem, "wb").write(tsa.public_bytes(serialization.Encoding.PEM))
open(tsa_key_pem, "wb").write(tsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))

data = open(a.data, "rb").read()
gen_time = a.gen_time or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")
tst_info = seq(
    integer(1),
    oid("1.2.3.4.1"),
    seq(seq(oid(algs[a.alg]), b"\x05\x00"), tlv(0x04, hashlib.new(a.alg, data).digest())),
    integer(int.from_bytes(os.urandom(8), "big")),
    tlv(0x18, gen_time.encode()),
)
tst_path, token_path = os.path.join(a.dir, "tst.der"), os.path.join(a.dir, "token.der")
open(tst_path, "wb").write(tst_info)
subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256",
                "-econtent_type", "1.2.840.113549.1.9.16.1.4", "-signer", tsa_pem, "-inkey", tsa_key_pem,
                "-in", tst_path, "-outform", "DER", "-out", token_path], check=True)
response = seq(seq(integer(0)), open(token_path, "rb").read())
open(a.out, "wb").write(response)
