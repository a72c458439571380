#!/usr/bin/env bash
# What signing, checking and the policy cost: a P-256 N x N intersection
# (psi request, respond, finish, with their files) signed with signed-note
# keys and a responder policy, against the same run with --insecure-unsigned
# --no-policy (the baseline), interleaved in the same run. Prints both times
# and the overhead (signed / unsigned - 1). Target: <= 5 %.
# Sizes: P256_N (100000); every measurement is the best of ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
P256_N=${P256_N:-100000}
ROUNDS=${ROUNDS:-2}

echo "building release..." >&2
swift build -c release --scratch-path .build-release >&2
BIN=$ROOT/.build-release/release
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

A=$WORK/a; B=$WORK/b; mkdir -p "$A" "$B"
overlap=$((P256_N / 2))
seq 0 $((P256_N - 1)) | awk '{ printf "{\"id\":\"item-%d\"}\n", $1 }' > "$A/a.jsonl"
seq $((P256_N - overlap)) $((2 * P256_N - overlap - 1)) | awk '{ printf "{\"id\":\"item-%d\"}\n", $1 }' > "$B/b.jsonl"
BK=$("$BIN/evchain" keygen --name bank.example/psi --out "$B/psi.key")
AK=$("$BIN/evchain" keygen --name commission.example/psi --out "$A/psi.key")
printf '{"purposes":["bench"],"peers":["%s"],"max_items":%d,"expires":"2099-01-01T00:00:00Z"}\n' "$BK" "$P256_N" > "$A/policy.json"

# run MODE: one whole intersection; prints its size
run() {
    local b_opts a_opts req_opts resp_opts
    if [ "$1" = signed ]; then
        b_opts=(--sign-key "$B/psi.key" --peer-key "$AK"); a_opts=(--sign-key "$A/psi.key" --peer-key "$BK")
        req_opts=(--purpose bench); resp_opts=(--policy "$A/policy.json")
    else
        b_opts=(--insecure-unsigned); a_opts=(--insecure-unsigned); req_opts=(--purpose bench); resp_opts=(--no-policy)
    fi
    rm -f "$B/s" "$B/q.msg" "$A/r.msg"
    "$BIN/evpsi" psi request --group p256 "${req_opts[@]}" "${b_opts[@]}" --state "$B/s" -o "$B/q.msg" "$B/b.jsonl" > /dev/null
    "$BIN/evpsi" psi respond --group p256 "${resp_opts[@]}" "${a_opts[@]}" --request "$B/q.msg" -o "$A/r.msg" "$A/a.jsonl" > /dev/null
    "$BIN/evpsi" psi finish "${b_opts[@]}" --response "$A/r.msg" --state "$B/s" "$B/b.jsonl" | wc -l
}

best_signed=""; best_unsigned=""
for round in $(seq "$ROUNDS"); do
    for mode in unsigned signed; do
        start=$(date +%s.%N)
        n=$(run $mode)
        t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
        [ "$n" -eq "$overlap" ] || { echo "$mode: wrong intersection size $n" >&2; exit 1; }
        var=best_$mode
        if [ -z "${!var}" ] || awk -v a="$t" -v b="${!var}" 'BEGIN { exit !(a < b) }'; then printf -v "$var" %s "$t"; fi
    done
done
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "P-256 PSI $P256_N x $P256_N (intersection $overlap), best of $ROUNDS, wall time:"
printf "  unsigned (baseline) %8.3f s\n  signed + policy     %8.3f s\n  RATIO signed/unsigned %s  overhead %s %%  (target <= 5 %%)\n" \
    "$best_unsigned" "$best_signed" "$(awk -v a="$best_signed" -v b="$best_unsigned" 'BEGIN { printf "%.3f", a / b }')" \
    "$(awk -v a="$best_signed" -v b="$best_unsigned" 'BEGIN { printf "%.1f", (a / b - 1) * 100 }')"
