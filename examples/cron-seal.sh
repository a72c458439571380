#!/usr/bin/env bash
# The nightly sealing job: append today's batch of evidence records, sign a
# checkpoint, timestamp it (RFC 3161), and have the notary cosign it.
#
# Usage: examples/cron-seal.sh CHAIN LOG_KEY BATCH.jsonl
#   TSA_URL       timestamp authority (http://...); no timestamp when unset
#   NOTARY        command that runs the notary's 'evchain cosign' with the
#                 checkpoint on stdin and the proof file as $1 (none on the
#                 first night: the notary starts its state); default: a
#                 local witness (NOTARY_KEY, NOTARY_STATE, LOG_VKEY), as in
#                 the demo. In production it reaches the notary's machine
#                 (sftp, a queue, an HTTPS endpoint) and returns its output.
#   examples/cron-seal.sh --demo [dir]   runs two nights on sample records.
#
# The bank keeps CHAIN.cosigned, the last checkpoint the notary returned, to
# know which size to prove consistency from. Any step failing stops the job
# with its exit status (2 bad batch: nothing appended; 1 refused; 3 I/O).
set -euo pipefail

seal() {
    local chain="$1" key="$2" batch="$3" day
    day="$(date -u +%Y%m%dT%H%M%S.%NZ)"
    local dir; dir="$(dirname "$chain")/seals"
    mkdir -p "$dir"
    evchain append "$chain" < "$batch" > "$dir/$day.receipts.jsonl"
    echo "appended $(wc -l < "$dir/$day.receipts.jsonl") records" >&2

    local cp="$dir/$day.checkpoint"
    evchain checkpoint "$chain" --key "$key" --out "$cp" ${TSA_URL:+--tsa-url "$TSA_URL"}

    # The first checkpoint goes without a proof (RFC 9162 has none from size 0).
    local proof=()
    if [ -f "$chain.cosigned" ]; then
        evchain consistency "$chain" --from "$(sed -n 2p "$chain.cosigned")" --checkpoint "$cp" > "$dir/$day.proof.json"
        proof=("$dir/$day.proof.json")
    fi

    ${NOTARY:-local_notary} "${proof[@]}" < "$cp" > "$dir/$day.cosigned"
    evchain audit "$chain" --checkpoint "$dir/$day.cosigned" ${LOG_VKEY:+--log-key "$LOG_VKEY"} \
        ${NOTARY_VKEY:+--witness-key "$NOTARY_VKEY"} > /dev/null
    # Kept beside the log: the cosignature dates every entry it holds.
    evchain keep "$chain" "$dir/$day.cosigned"
    cp "$dir/$day.cosigned" "$chain.cosigned.tmp" && mv "$chain.cosigned.tmp" "$chain.cosigned"
    echo "sealed: size $(sed -n 2p "$chain.cosigned"), cosigned checkpoint $dir/$day.cosigned" >&2
}

local_notary() {
    if [ $# -eq 0 ]; then
        evchain cosign --witness-key "$NOTARY_KEY" --log-key "$LOG_VKEY" --state "$NOTARY_STATE" --init
    else
        evchain cosign --witness-key "$NOTARY_KEY" --log-key "$LOG_VKEY" --state "$NOTARY_STATE" --proof "$1"
    fi
}

demo() {
    local work="${1:-$(mktemp -d)}"
    local root; root="$(cd "$(dirname "$0")/.." && pwd)"
    (cd "$root" && swift build --product evchain >&2)
    PATH="$(cd "$root" && swift build --show-bin-path):$PATH"
    mkdir -p "$work/bank" "$work/notary/state"
    cd "$work"
    evchain init bank/chain --origin bank.example/evidence/2026
    LOG_VKEY="$(evchain keygen --name bank.example/evidence/2026 --out bank/log.key)"
    NOTARY_VKEY="$(evchain keygen --witness --name notary.example/witness --out notary/w.key)"
    export LOG_VKEY NOTARY_VKEY NOTARY_KEY="$work/notary/w.key" NOTARY_STATE="$work/notary/state"
    for night in 1 2; do
        for i in 1 2 3; do
            printf '{"id":"C2025-000%s/esign/doc%s.pdf","contract":"C2025-000%s","stage":"esign","alg":"sha256","digest":"%s"}\n' \
                "$night" "$i" "$night" "$(printf 'night %s doc %s' "$night" "$i" | sha256sum | cut -c1-64)"
        done > "batch$night.jsonl"
        seal bank/chain bank/log.key "batch$night.jsonl"
    done
    echo "== the cosigned checkpoint:"
    cat bank/chain.cosigned
}

if [ "${1:-}" = "--demo" ]; then demo "${2:-}"; exit 0; fi
[ $# -eq 3 ] || { sed -n 2,16p "$0" >&2; exit 2; }
seal "$1" "$2" "$3"
