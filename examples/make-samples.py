#!/usr/bin/env python3
"""Generates the bundled sample contracts under examples/contracts/: for each
contract, the artifacts of its life (signed contract PDF, face photo, liveness
and repayment records, default notice) and one manifest line per artifact
in examples/contracts/manifest.jsonl. Deterministic: re-running it changes
nothing. Standard library only."""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "contracts")


def pdf(lines):
    """A small, valid one-page PDF showing `lines` of text."""
    text = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(
        "(%s) '" % l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for l in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode()),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png(width, height, seed):
    """A deterministic RGB PNG (a stand-in for a face photo)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            v = (x * 7 + y * 13 + seed * 31) & 0xFF
            rows += bytes((v, (v * 3 + seed) & 0xFF, (255 - v) & 0xFF))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


CONTRACTS = [
    # (contract, borrower, principal, signed, defaulted?)
    ("C2025-0001", "Zhang San", 200000, "2025-04-16", True),
    ("C2025-0002", "Li Si", 50000, "2025-05-02", False),
    ("C2025-0003", "Wang Wu", 120000, "2025-06-20", True),
]


def main():
    manifest = []
    for contract, borrower, principal, day, defaulted in CONTRACTS:
        seed = int(contract[-4:])
        def write(rel, data):
            path = os.path.join(OUT, contract, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            return f"{contract}/{rel}"
        p = write("esign/contract.pdf", pdf([
            f"Personal Loan Contract {contract}",
            f"Lender: Example Bank Co., Ltd.   Borrower: {borrower}",
            f"Principal: CNY {principal:,}   Term: 12 months   Rate: 4.35% p.a.",
            "Signed electronically with the e-signature platform; disputes go to arbitration.",
        ]))
        manifest.append({"contract": contract, "stage": "esign", "path": p, "source": "esign-platform",
                         "time": f"{day}T10:02:33+08:00", "pages": 1})
        p = write("esign/signature-certificate.pdf", pdf([
            f"Signature certificate for {contract}", "Signer certificate issued by a licensed CA",
            f"Signing time {day} 10:02:33 +08:00"]))
        manifest.append({"contract": contract, "stage": "esign", "path": p, "source": "esign-platform",
                         "time": f"{day}T10:02:35+08:00", "pages": 1})
        p = write("face/face-photo.png", png(48, 48, seed))
        manifest.append({"contract": contract, "stage": "face", "path": p, "source": "face-recognition",
                         "time": f"{day}T10:01:12+08:00"})
        manifest.append({"contract": contract, "stage": "face", "name": "face-result.json",
                         "data": {"contract": contract, "similarity": 0.93 + seed % 5 / 100, "threshold": 0.8,
                                  "passed": True, "vendor": "face-recognition"},
                         "source": "face-recognition", "time": f"{day}T10:01:13+08:00"})
        manifest.append({"contract": contract, "stage": "liveness", "name": "liveness-result.json",
                         "data": {"contract": contract, "actions": ["blink", "turn-head"], "score": 0.97,
                                  "passed": True},
                         "source": "liveness-check", "time": f"{day}T10:01:40+08:00"})
        months = 4 if defaulted else 6
        for m in range(1, months + 1):
            manifest.append({"contract": contract, "stage": "performance", "name": f"repayment-{m:02d}.json",
                             "data": {"contract": contract, "installment": m,
                                      "due": f"2025-{(int(day[5:7]) + m - 1) % 12 + 1:02d}-05",
                                      "amount": round(principal / 12 * 1.0435, 2),
                                      "paid": not (defaulted and m >= 3)},
                             "source": "core-banking", "time": f"2025-{(int(day[5:7]) + m - 1) % 12 + 1:02d}-05T18:00:00+08:00"})
        if defaulted:
            p = write("default/default-notice.pdf", pdf([
                f"Notice of default, contract {contract}", f"Borrower {borrower} missed installments 3 and 4.",
                "The whole outstanding amount is due; the bank applies for arbitration."]))
            manifest.append({"contract": contract, "stage": "default", "path": p, "source": "collections",
                             "time": "2025-10-10T09:00:00+08:00", "pages": 1})
    with open(os.path.join(OUT, "manifest.jsonl"), "w", encoding="utf-8") as f:
        for line in manifest:
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
