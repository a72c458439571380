#!/usr/bin/env bash
# The README's "A short tour", command for command and in the same order, so
# that the README runs as written (Tests/ToolTests/TourTests.swift runs this
# script and checks that every command of the README's tour is in it).
# Works in a new directory under $TMPDIR (or /tmp), printed at the end.
# Usage: examples/tour.sh
#   EVIDENCE_BIN: run the tools from that directory instead of building them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${EVIDENCE_BIN:-}" ]; then export PATH="$EVIDENCE_BIN:$PATH"; else
swift build && export PATH="$(swift build --show-bin-path):$PATH"
fi
cd "$(mktemp -d)" && ln -s "$OLDPWD/examples" .

echo "== hash the sample contracts (evhash)"
evhash --root examples/contracts --alg sha256,sm3 < examples/contracts/manifest.jsonl > records.jsonl
head -1 records.jsonl
sha256sum examples/contracts/C2025-0001/esign/contract.pdf

echo "== the bank's log, its signed checkpoint, the notary's cosignature (evchain)"
evchain init bank.chain --origin bank.example/evidence/2026
LOG_VKEY=$(evchain keygen --name bank.example/evidence/2026 --out bank-log.key)
evchain append bank.chain < records.jsonl > receipts.jsonl
evchain checkpoint bank.chain --key bank-log.key --out checkpoint.signed
NOTARY_VKEY=$(evchain keygen --witness --name notary.example/witness --out notary.key)    # the notary, once
mkdir notary-state
evchain consistency bank.chain --index --from 0 --checkpoint checkpoint.signed > index-material.jsonl
evchain cosign --witness-key notary.key --log-key "$LOG_VKEY" --state notary-state \
      --init --index index-material.jsonl < checkpoint.signed > checkpoint.cosigned   # on the notary's machine
evchain keep bank.chain checkpoint.cosigned

echo "== on default: an auditor's session (evverify --text)"
grep '"C2025-0001"' examples/contracts/manifest.jsonl > C2025-0001.jsonl
evverify --text --chain bank.chain --checkpoint checkpoint.cosigned \
      --log-key "$LOG_VKEY" --index-witness "$NOTARY_VKEY" --root examples/contracts \
      --require-stages esign,face,liveness,performance,default --complete C2025-0001.jsonl

echo "== default -> custody certificate (evchain prove, evverify certify, check-cert)"
evhash --root examples/contracts < C2025-0001.jsonl |
      evchain prove bank.chain --checkpoint checkpoint.cosigned > C2025-0001.proofs
ISSUER_VKEY=$(evchain keygen --name notary.example/custody --out custody.key)    # the notary, once
evverify certify --proofs C2025-0001.proofs --log-key "$LOG_VKEY" \
      --witness-key "$NOTARY_VKEY" --root examples/contracts \
      --issuer-key custody.key --out C2025-0001.cert.json < C2025-0001.jsonl
evverify check-cert --text C2025-0001.cert.json --issuer-key "$ISSUER_VKEY" \
      --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY"

echo "== the evidence catalogue (evcatalog)"
evverify --proofs C2025-0001.proofs --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY" \
      --root examples/contracts < C2025-0001.jsonl > C2025-0001.verdicts.jsonl
evcatalog --format html --case examples/case-C2025-0001.json --certificate C2025-0001.cert.json \
      --issuer-key "$ISSUER_VKEY" --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY" \
      --require-stages esign,face,liveness,performance,default --utc-offset +08:00 \
      C2025-0001.verdicts.jsonl > catalogue.html
if command -v chromium > /dev/null; then
chromium --headless --no-sandbox --log-level=3 --print-to-pdf=catalogue.pdf catalogue.html
else echo "(no chromium: catalogue.html not printed)"; fi

echo "== comparing records without handing them over (evpsi)"
BANK_PSI=$(evchain keygen --name bank.example/psi --out bank-psi.key)              # each party, once
COMMISSION_PSI=$(evchain keygen --name commission.example/psi --out commission-psi.key)
# commission$
printf '{"purposes":["arbitration C2025-0001"],"peers":["%s"],"max_items":10000,"expires":"2030-01-01T00:00:00Z"}\n' "$BANK_PSI" > policy.json
# bank$
evpsi psi request --key idno,contract --purpose "arbitration C2025-0001" --sign-key bank-psi.key \
    --peer-key "$COMMISSION_PSI" --state s -o req.msg examples/psi/defaults.jsonl
# commission$
evpsi psi respond --key idno,contract --policy policy.json --sign-key commission-psi.key \
    --peer-key "$BANK_PSI" --request req.msg -o resp.msg examples/psi/docket.jsonl
# bank$
evpsi psi finish  --key idno,contract --sign-key bank-psi.key --peer-key "$COMMISSION_PSI" \
    --response resp.msg --state s examples/psi/defaults.jsonl

echo "== the tour's files are in $PWD"
