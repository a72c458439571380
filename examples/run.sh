#!/usr/bin/env bash
# The end-to-end example on the bundled sample contracts: the bank hashes each
# contract's artifacts (only digests leave), appends them to its evidence log,
# seals a checkpoint the notary cosigns; on default, the originals are
# verified against the log, a custody certificate is issued, and the
# arbitration catalogue is produced.
# Usage: examples/run.sh [workdir]     (default: examples/out, rebuilt each run)
# Only a directory this script made (it holds the marker file
# .evidence-example-run) is removed and rebuilt; an empty one is used as is;
# anything else is refused (exit 2), so a mistyped workdir never loses data.
# EVIDENCE_BIN: run the tools from that directory instead of building them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="${1:-$here/out}"
. "$here/workdir.sh"
claim_workdir run.sh "$work"

if [ -n "${EVIDENCE_BIN:-}" ]; then
    bin="$EVIDENCE_BIN"
else
    "$root/scripts/setup" --build >&2
    (cd "$root" && swift build >&2)
    bin="$(cd "$root" && swift build --show-bin-path)"
fi
export PATH="$bin:$PATH"
cd "$work"
contracts="$here/contracts"

echo "== 1. bank: hash every artifact of the sample contracts (evhash)"
evhash --root "$contracts" --alg sha256,sm3 < "$contracts/manifest.jsonl" > records.jsonl
echo "   $(wc -l < records.jsonl) evidence records; first:"
head -1 records.jsonl | sed 's/^/   /'

echo "== 2. bank: append the records to the evidence log (evchain)"
evchain init bank.chain --origin bank.example/evidence/2026
LOG_VKEY="$(evchain keygen --name bank.example/evidence/2026 --out bank-log.key)"
evchain append bank.chain < records.jsonl > receipts.jsonl
echo "   $(wc -l < receipts.jsonl) entries appended; last receipt: $(tail -1 receipts.jsonl)"

echo "== 3. cron: seal a signed checkpoint; the notary cosigns it"
NOTARY_VKEY="$(evchain keygen --witness --name notary.example/witness --out notary.key)"
mkdir -p notary-state
evchain checkpoint bank.chain --key bank-log.key --out checkpoint.signed
# The notary's first checkpoint of this log: no proof, --init starts its state (c2sp.org/tlog-witness).
# It also verifies the contract index (--index): the bank hands over the entries since
# size 0 and the index material, and the notary recomputes the checkpoint's index root.
evchain consistency bank.chain --index --from 0 --checkpoint checkpoint.signed > index-material.jsonl
evchain cosign --witness-key notary.key --log-key "$LOG_VKEY" --state notary-state \
    --init --index index-material.jsonl < checkpoint.signed > checkpoint.cosigned
evchain keep bank.chain checkpoint.cosigned    # the cosignature dates every entry it holds
sed 's/^/   /' checkpoint.cosigned

echo "== 4. default of C2025-0001: the auditor checks the originals against the log (evverify --text)"
grep '"C2025-0001"' "$contracts/manifest.jsonl" > c1-originals.jsonl
# --require-stages rests on the contract index: the notary's key is given as
# one that verifies it, as it does with cosign --index (evverify(1) COMPLETENESS).
evverify --text --chain bank.chain --checkpoint checkpoint.cosigned --log-key "$LOG_VKEY" \
    --index-witness "$NOTARY_VKEY" --root "$contracts" \
    --require-stages esign,face,liveness,performance,default c1-originals.jsonl | sed 's/^/   /'

echo "== 5. the bank exports only C2025-0001's proofs; the arbitration side verifies without the log"
grep '"C2025-0001"' records.jsonl | evchain prove bank.chain --checkpoint checkpoint.cosigned > c1-proofs.jsonl
evverify --proofs c1-proofs.jsonl --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY" \
    --root "$contracts" c1-originals.jsonl > c1-verdicts.jsonl
echo "   $(grep -c '"status":"ok"' c1-verdicts.jsonl) of $(wc -l < c1-verdicts.jsonl) items ok against the bundle"

echo "== 6. the notary issues the custody certificate (保管单); anyone re-checks it offline"
ISSUER_VKEY="$(evchain keygen --name notary.example/custody --out issuer.key)"
evverify certify --proofs c1-proofs.jsonl --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY" \
    --root "$contracts" --issuer-key issuer.key --out c1-certificate.json c1-originals.jsonl
evverify check-cert --text c1-certificate.json --issuer-key "$ISSUER_VKEY" --log-key "$LOG_VKEY" \
    --witness-key "$NOTARY_VKEY" | sed 's/^/   /'

echo "== 6b. the customer of C2025-0001 gets a receipt of their own, and anyone checks it offline"
# The contract's entries, their proofs, its index proof and the cosigned checkpoint
# (evchain(1) receipt); the notary's key is given as one that verifies the index.
evchain receipt bank.chain --contract C2025-0001 --checkpoint checkpoint.cosigned > c1-receipt.json
echo "   c1-receipt.json: $(wc -c < c1-receipt.json) bytes"
evverify check-receipt --text c1-receipt.json --log-key "$LOG_VKEY" --index-witness "$NOTARY_VKEY" \
    | grep -v ': seq ' | sed 's/^/   /'

# ---- catalogue step (evcatalog) -------------------------------------------
echo "== 7. the evidence catalogue (证据目录) of C2025-0001 for the arbitration commission (evcatalog)"
catalogue_options=(--case "$here/case-C2025-0001.json" --certificate c1-certificate.json
                   --issuer-key "$ISSUER_VKEY" --log-key "$LOG_VKEY" --witness-key "$NOTARY_VKEY"
                   --require-stages esign,face,liveness,performance,default --utc-offset +08:00)
evcatalog "${catalogue_options[@]}" c1-verdicts.jsonl > c1-catalogue.jsonl
evcatalog "${catalogue_options[@]}" --format csv --bom c1-verdicts.jsonl > c1-catalogue.csv
evcatalog "${catalogue_options[@]}" --format html c1-verdicts.jsonl > c1-catalogue.html
echo "   $(wc -l < c1-catalogue.jsonl) rows: c1-catalogue.jsonl, c1-catalogue.csv, c1-catalogue.html"
if command -v chromium > /dev/null; then
    chromium --headless --no-sandbox --log-level=3 --print-to-pdf=c1-catalogue.pdf c1-catalogue.html
    echo "   printed: $work/c1-catalogue.pdf"
else
    echo "   (install chromium and fonts-noto-cjk to print c1-catalogue.html to PDF)"
fi
