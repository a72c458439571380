#!/usr/bin/env bash
# A long local fuzz campaign: each parser's fuzz target (Tests/EvidenceCoreTests/Fuzz)
# run alone with many more mutants than CI, at low priority. A target that traps
# leaves the input it trapped on in OUT/<target>.last. The test binary is copied
# to OUT and run from there, so the package stays free to build meanwhile.
# Usage: Tests/fuzz-campaign.sh [iterations per target] [seed] [out dir]
#        (defaults: 100000, 1, .build/fuzz-campaign)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-100000}" seed="${2:-1}" out="${3:-.build/fuzz-campaign}"
targets=(jsonParserNeverTraps jsonLinesReaderNeverTraps signedNoteNeverTraps noteKeysNeverTrap
         proofBundleNeverTraps consistencyProofNeverTraps psiMessageNeverTraps custodyCertificateNeverTraps)
mkdir -p "$out"
swift build --build-tests >&2
cp "$(swift build --show-bin-path)/evidencePackageTests.xctest" "$out/tests.xctest"
status=0
for t in "${targets[@]}"; do
    start=$(date +%s)
    if EVIDENCE_FUZZ_ITERATIONS="$iterations" EVIDENCE_FUZZ_SEED="$seed" EVIDENCE_FUZZ_LAST_INPUT="$out" \
        EVIDENCE_FUZZ_REPORT=1 nice "$out/tests.xctest" --testing-library swift-testing \
        --filter "ParserFuzzTests/$t" > "$out/$t.log" 2>&1; then
        echo "$t: passed, $iterations mutants in $(( $(date +%s) - start )) s"
    else
        echo "$t: FAILED after $(( $(date +%s) - start )) s: see $out/$t.log and the last input $out/*.last"
        status=1
    fi
    grep '^fuzz ' "$out/$t.log" || true
done
exit "$status"
