#!/bin/sh
# Regenerates the custody certificate the evcatalog golden tests attach
# (certificate.json) and the verifier keys that check it (log.vkey,
# notary.vkey, issuer.vkey): the sample contracts' records, as
# EvcatalogTests.sampleRecords makes them, appended to a fresh log in one
# batch (so every entry has one log time), sealed, cosigned by a notary,
# and certified for contract C2025-0001 from its originals.
# Usage: Tests/Golden/evcatalog/make-certificate.sh [bin-dir]  (default: swift build --show-bin-path)
# Then EVIDENCE_UPDATE_GOLDEN=1 swift test --filter Evcatalog: the golden
# catalogues show the new certificate's serial and log time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=$(cd "${1:-$(cd "$root" && swift build --show-bin-path)}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
contracts="$root/examples/contracts"
cd "$work"
"$bin/evhash" --root "$contracts" --alg sha256,sm3 < "$contracts/manifest.jsonl" > records.jsonl
"$bin/evchain" init chain --origin golden.example/log > /dev/null
"$bin/evchain" keygen --name golden.example/log --out log.key > log.vkey
"$bin/evchain" keygen --witness --name golden.example/notary --out notary.key > notary.vkey
"$bin/evchain" keygen --name golden.example/custody --out issuer.key > issuer.vkey
"$bin/evchain" append chain < records.jsonl > /dev/null
"$bin/evchain" checkpoint chain --key log.key --out checkpoint
mkdir state
"$bin/evchain" cosign --witness-key notary.key --log-key "$(cat log.vkey)" --state state --init checkpoint > checkpoint.cosigned
grep '"C2025-0001"' "$contracts/manifest.jsonl" > originals.jsonl
"$bin/evverify" certify --chain chain --checkpoint checkpoint.cosigned --log-key "$(cat log.vkey)" \
    --witness-key "$(cat notary.vkey)" --root "$contracts" --issuer-key issuer.key --out certificate.json < originals.jsonl
cp certificate.json log.vkey notary.vkey issuer.vkey "$here/"
