#!/usr/bin/env bash
# The end-to-end example on the bundled sample contracts: the bank hashes each
# contract's artifacts (only digests leave), appends them to its evidence log,
# seals a checkpoint the notary cosigns; on default, the originals are
# verified against the log, a custody certificate is issued, and the
# arbitration catalogue is produced.
# Usage: examples/run.sh [workdir]     (default: examples/out, rebuilt each run)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="${1:-$here/out}"

(cd "$root" && swift build >&2)
bin="$(cd "$root" && swift build --show-bin-path)"
export PATH="$bin:$PATH"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
contracts="$here/contracts"

echo "== 1. bank: hash every artifact of the sample contracts (evhash)"
evhash --root "$contracts" --alg sha256,sm3 < "$contracts/manifest.jsonl" > records.jsonl
echo "   $(wc -l < records.jsonl) evidence records; first:"
head -1 records.jsonl | sed 's/^/   /'

# ---- catalogue step (evcatalog) -------------------------------------------
# Until evverify is on main this catalogues evhash's records, which have not
# been verified against the log: --accept-unverified says so, and every row
# is labelled 【未核验】. With evverify, feed its verdicts instead and drop
# that option.
echo "== catalogue: the evidence list of defaulted contract C2025-0001 (evcatalog)"
catalogue_options=(--case "$here/case-C2025-0001.json" --accept-unverified
                   --require-stages esign,face,liveness,performance,default)
evcatalog "${catalogue_options[@]}" records.jsonl > catalogue.jsonl
evcatalog "${catalogue_options[@]}" --format csv --bom records.jsonl > catalogue.csv
evcatalog "${catalogue_options[@]}" --format html records.jsonl > catalogue.html
echo "   $(wc -l < catalogue.jsonl) rows: catalogue.jsonl, catalogue.csv, catalogue.html"
if command -v chromium > /dev/null; then
    chromium --headless --no-sandbox --print-to-pdf=catalogue.pdf catalogue.html 2> /dev/null
    echo "   printed: $work/catalogue.pdf"
else
    echo "   (install chromium and fonts-noto-cjk to print catalogue.html to PDF)"
fi
