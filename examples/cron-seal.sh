#!/usr/bin/env bash
# The nightly sealing job: append today's batch of evidence records, sign a
# checkpoint, timestamp it (RFC 3161), publish the log as tiles, and have the
# notary cosign the checkpoint.
#
# Usage: examples/cron-seal.sh CHAIN LOG_KEY BATCH.jsonl
#   TSA_URL       timestamp authority (http://...); no timestamp when unset
#   TILES         where the log's tiles are published (default: CHAIN.tiles)
#   NOTARY        command that runs the notary's 'evchain cosign' with the
#                 checkpoint on stdin and the tiles' location as $1: the
#                 notary builds the consistency proof from the size it last
#                 cosigned, so the bank need not know that size. Default: a
#                 local witness (NOTARY_KEY, NOTARY_STATE, LOG_VKEY), as in
#                 the demo and the README's tour. In production it reaches
#                 the notary's machine (sftp, a queue, an HTTPS endpoint)
#                 and returns its output.
#   COSIGNED      where the last cosigned checkpoint is kept (default:
#                 CHAIN.cosigned)
#   examples/cron-seal.sh --demo [dir]   runs two nights on sample records.
#
# After the README's tour, the next night is:
#   NOTARY_KEY=notary.key NOTARY_STATE=notary-state LOG_VKEY="$LOG_VKEY" \
#   NOTARY_VKEY="$NOTARY_VKEY" examples/cron-seal.sh bank.chain bank-log.key batch.jsonl
#
# Every step can be run again: a batch already logged is not logged twice
# (its receipts say "existing"), checkpoint and tiles are rewritten to the
# same content, and the notary cosigns the same checkpoint again. So a job
# killed at any point, or run twice, is simply run again.
#
# Exit status: that of the first step that fails (the job stops there):
# 2 a bad batch (nothing of it appended) or bad usage; 1 a refusal or a
# failed check (the notary refused the checkpoint, the audit found a
# mismatch); 3 an I/O or environment error. 0 when sealed.
set -euo pipefail

seal() {
    local chain="$1" key="$2" batch="$3" day
    day="$(date -u +%Y%m%dT%H%M%S.%NZ)"
    local dir; dir="$(dirname "$chain")/seals"
    local tiles="${TILES:-$chain.tiles}" cosigned="${COSIGNED:-$chain.cosigned}"
    mkdir -p "$dir"
    evchain append "$chain" < "$batch" > "$dir/$day.receipts.jsonl"
    echo "appended $(grep -vc '"existing":true' "$dir/$day.receipts.jsonl") records" \
         "($(grep -c '"existing":true' "$dir/$day.receipts.jsonl") already logged)" >&2

    local cp="$dir/$day.checkpoint"
    evchain checkpoint "$chain" --key "$key" --out "$cp" ${TSA_URL:+--tsa-url "$TSA_URL"}
    evchain tiles "$chain" --out "$tiles" --checkpoint "$cp" > /dev/null

    # Written beside, then renamed: a cosigned file is whole or absent.
    ${NOTARY:-local_notary} "$tiles" < "$cp" > "$dir/$day.cosigned.tmp"
    mv "$dir/$day.cosigned.tmp" "$dir/$day.cosigned"
    evchain audit "$chain" --checkpoint "$dir/$day.cosigned" ${LOG_VKEY:+--log-key "$LOG_VKEY"} \
        ${NOTARY_VKEY:+--witness-key "$NOTARY_VKEY"} > /dev/null
    # Kept beside the log: the cosignature dates every entry it holds.
    evchain keep "$chain" "$dir/$day.cosigned"
    cp "$dir/$day.cosigned" "$cosigned.tmp" && mv "$cosigned.tmp" "$cosigned"
    echo "sealed: size $(sed -n 2p "$cosigned"), cosigned checkpoint $dir/$day.cosigned" >&2
}

# The notary's side, run locally: its state tells whether this is the log's
# first checkpoint (no proof), else it proves consistency from the tiles.
local_notary() {
    local how=(--tiles "$1" -)
    if [ -z "$(ls -A "$NOTARY_STATE")" ]; then how=(--init); fi
    evchain cosign --witness-key "$NOTARY_KEY" --log-key "$LOG_VKEY" --state "$NOTARY_STATE" "${how[@]}"
}

demo() {
    local work="${1:-$(mktemp -d)}"
    local root; root="$(cd "$(dirname "$0")/.." && pwd)"
    if [ -n "${EVIDENCE_BIN:-}" ]; then PATH="$EVIDENCE_BIN:$PATH"; else
        (cd "$root" && swift build --product evchain >&2)
        PATH="$(cd "$root" && swift build --show-bin-path):$PATH"
    fi
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
[ $# -eq 3 ] || { sed -n 2,33p "$0" >&2; exit 2; }
seal "$1" "$2" "$3"
