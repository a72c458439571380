#!/usr/bin/env bash
# evverify against its baselines, in one run on the same files:
#   ITEMS originals of FILE_KIB KiB, logged among LOG_SIZE entries, verified
#   against the log (entries found through CHAIN.lookup, proofs from stored
#   hashes), and the
#   same files checked by `sha256sum -c` and `openssl dgst -sha256`.
# Target (issue 22): evverify's throughput ≥ 1.0 × openssl's (about 4 × sha256sum -c).
# Usage: bench/evverify.sh [items] [log_size] [file_kib]   (defaults 100000 10000000 16)
# The originals and the log are kept in $BENCH_DIR/verify and reused.
source "$(dirname "$0")/common.sh"
ITEMS="${1:-100000}"
LOG_SIZE="${2:-10000000}"
FILE_KIB="${3:-16}"
[ -n "${BIN:-}" ] || build_release evhash evchain evverify   # BIN: tools already built
PY="${PYTHON:-python3}"
W="$BENCH_DIR/verify-$ITEMS-$LOG_SIZE-$FILE_KIB"
mkdir -p "$W"
cd "$W"

if [ ! -f ready ]; then
    echo "preparing $ITEMS originals of $FILE_KIB KiB and a log of $LOG_SIZE entries (once)" >&2
    "$PY" - "$ITEMS" "$FILE_KIB" <<'PYEOF'
import json, os, sys
n, kib = int(sys.argv[1]), int(sys.argv[2])
with open("manifest.jsonl", "w") as m, open("files.list", "w") as l:
    for i in range(n):
        d = "o/%03d" % (i % 1000)
        os.makedirs(d, exist_ok=True)
        p = "%s/f%06d.bin" % (d, i)
        with open(p, "wb") as f:
            f.write(os.urandom(kib * 1024))
        m.write(json.dumps({"contract": "C%06d" % (i // 10), "stage": "performance", "path": p}) + "\n")
        l.write(p + "\n")
PYEOF
    "$BIN/evhash" < manifest.jsonl > records.jsonl
    # The log: filler entries with the items' records spread among them.
    "$PY" "$ROOT/bench/spread_records.py" "$LOG_SIZE" records.jsonl > log-input.jsonl
    rm -rf log.chain*
    "$BIN/evchain" init log.chain --origin bench.example/log
    "$BIN/evchain" keygen --name bench.example/log --out log.key > log.vkey
    "$BIN/evchain" append log.chain < log-input.jsonl > /dev/null
    "$BIN/evchain" checkpoint log.chain --key log.key > /dev/null
    rm -f log-input.jsonl
    paste -d' ' <("$PY" -c "import json,sys; [print(json.loads(l)['digest']) for l in open('records.jsonl')]") files.list \
        | sed 's/ /  /' > sums.txt
    touch ready
fi
# Warm the page cache, originals and the log's files alike: we measure
# verification, not the disk.
find o -type f -exec cat {} + > /dev/null
cat log.chain log.chain.index log.chain.hashes log.chain.lookup.* > /dev/null

echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
t_sum=$(best_of 1 sha256sum -c --quiet sums.txt)
# Alternating, five rounds: on a shared machine both meet the same moments,
# and the best time of each is compared.
t_ossl="" t_ev=""
for _ in 1 2 3 4 5; do
    t=$(best_of 1 xargs -a files.list -s 2000000 openssl dgst -sha256)
    if [ -z "$t_ossl" ] || [ "$(echo "$t < $t_ossl" | bc -l)" = 1 ]; then t_ossl=$t; fi
    t=$(best_of 1 sh -c "'$BIN/evverify' --status --no-witness --chain log.chain --log-key \"\$(cat log.vkey)\" < manifest.jsonl")
    if [ -z "$t_ev" ] || [ "$(echo "$t < $t_ev" | bc -l)" = 1 ]; then t_ev=$t; fi
done
"$BIN/evverify" --no-witness --chain log.chain --log-key "$(cat log.vkey)" < manifest.jsonl | grep -c '"status":"ok"' > ok.count || true
echo "log: $LOG_SIZE entries; items: $ITEMS × $FILE_KIB KiB; verdicts ok: $(cat ok.count) of $ITEMS"
echo "sha256sum -c: ${t_sum}s  openssl dgst: ${t_ossl}s  evverify: ${t_ev}s"
echo "evverify items/s: $(printf '%.0f' "$(echo "$ITEMS / $t_ev" | bc -l)")"
echo "evverify/openssl throughput ratio: $(ratio "$t_ossl" "$t_ev")   evverify/sha256sum -c: $(ratio "$t_sum" "$t_ev")"
timed xargs -a files.list -s 2000000 openssl dgst -sha256 > /dev/null; cpu_ossl=$CPU
timed sh -c "'$BIN/evverify' --status --no-witness --chain log.chain --log-key \"\$(cat log.vkey)\" < manifest.jsonl"; cpu_ev=$CPU; rss_ev=$RSS
echo "CPU time: openssl dgst ${cpu_ossl}s, evverify ${cpu_ev}s (over $(nproc) cores); evverify max RSS $((rss_ev / 1024)) MiB"
r=$(ratio "$t_ossl" "$t_ev")
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$r >= 1.0" | bc -l)" = 1 ]; then v=met; else v="NOT met"; fi
echo "VERDICT: $v: evverify at ${r}x openssl dgst's throughput (target >= 1.0x; $ITEMS items in a log of $LOG_SIZE)"
