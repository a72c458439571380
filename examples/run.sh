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
