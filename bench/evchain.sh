#!/usr/bin/env bash
# evchain against its targets and baselines, in one run:
#  (a) append RECORDS evidence records over RECORDS/10 contracts in one batch,
#      durable (fsync kept), with the contract index (target ≥ 250,000
#      records/s, issue 22) and without it (EVIDENCE_BENCH_NO_CONTRACT_INDEX=1,
#      as before the index; the index's target: ≥ 0.85× that, issue 19),
#      RUNS times each (default 2, alternating, best wall time kept), against
#      the I/O floor (copying the same bytes with fsync) and a Python append
#      loop doing the same hashing (json + hashlib, no fsync);
#  (b) prove one entry in a log of PROVE_SIZE entries (target ≤ 20 ms): one
#      process per proof (what a caller sees) and 1,000 proofs in one process;
#  (c) memory: max RSS of append and prove, on a small and on the large log
#      (flat with log size: proofs read O(log n) hashes with pread).
# Usage: bench/evchain.sh [records] [prove_size]   (defaults 1000000 10000000)
# The large log is kept in $BENCH_DIR and reused by later runs.
# PARTS=a bench/evchain.sh … runs part (a) only (default abc).
source "$(dirname "$0")/common.sh"
RECORDS="${1:-1000000}"
PROVE_SIZE="${2:-10000000}"
PARTS="${PARTS:-abc}"
RUNS="${RUNS:-2}"
build_release evchain
EV="$BIN/evchain"
# The same tool linked with the Swift runtime and Foundation statically: most
# of a one-proof process is dynamic loading, which this removes.
[[ "$PARTS" == *[bc]* ]] && (cd "$ROOT" && swift build -c release --static-swift-stdlib --scratch-path "$ROOT/.build-static" --product evchain >&2)
EVS="$ROOT/.build-static/release/evchain"
PY="${PYTHON:-python3}"
cd "$BENCH_DIR"

gen() {  # gen N TAG > file: N evidence records as evhash emits them
    "$PY" - "$1" "$2" <<'PYEOF'
import hashlib, sys
n, tag = int(sys.argv[1]), sys.argv[2]
out = sys.stdout
for i in range(n):
    c = "C2026-%06d" % (i // 10)
    d = hashlib.sha256(("%s %d" % (tag, i)).encode()).hexdigest()
    out.write('{"id":"%s/esign/doc%d.pdf","contract":"%s","stage":"esign","name":"doc%d.pdf",'
              '"source":"esign-platform","time":"2026-11-25T10:00:00Z","size":48213,"alg":"sha256","digest":"%s"}\n'
              % (c, i, c, i, d))
PYEOF
}


# The machine may be shared: say how busy it was, since wall times depend on it.
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

echo "== (a) append $RECORDS records over $((RECORDS / 10)) contracts in one batch, $RUNS runs each with and without the contract index"
input="records-$RECORDS-c10.jsonl"
[ -f "$input" ] || gen "$RECORDS" a > "$input"
cat "$input" > /dev/null
best_with="" best_without="" cpu_with="" cpu_without="" rss_append=0
run_append() {  # run_append with|without: a fresh chain, one batch
    rm -f evc-small evc-small.*
    "$EV" init evc-small --origin bench.example/small
    if [ "$1" = with ]; then
        timed "$EV" append evc-small < "$input" > receipts.jsonl
        rss_append=$RSS
    else
        timed env EVIDENCE_BENCH_NO_CONTRACT_INDEX=1 "$EV" append evc-small < "$input" > receipts.jsonl
    fi
    [ "$(wc -l < receipts.jsonl)" = "$RECORDS" ] || { echo "append did not acknowledge every record" >&2; exit 1; }
    printf '   %-8s %6.2f s wall  %6.2f CPU-s\n' "$1" "$WALL" "$CPU"
    if [ "$1" = with ]; then
        if [ -z "$best_with" ] || [ "$(echo "$WALL < $best_with" | bc -l)" = 1 ]; then best_with=$WALL; cpu_with=$CPU; fi
    else
        if [ -z "$best_without" ] || [ "$(echo "$WALL < $best_without" | bc -l)" = 1 ]; then best_without=$WALL; cpu_without=$CPU; fi
    fi
}
for _ in $(seq "$RUNS"); do run_append without; run_append with; done
# The chain left is the last one with the index (parts b and c use it).
t_append=$best_with
rate=$(printf '%.0f' "$(echo "$RECORDS / $t_append" | bc -l)")
rate_without=$(printf '%.0f' "$(echo "$RECORDS / $best_without" | bc -l)")
t_io=$(best_of 3 dd if="$input" of=copy.jsonl bs=4M conv=fsync status=none)
t_py=$(best_of 1 "$PY" - "$input" <<'PYEOF'
import hashlib, json, sys
with open(sys.argv[1]) as f, open("py-chain.jsonl", "w") as out:
    for seq, line in enumerate(f):
        r = json.loads(line)
        t = "2026-11-25T10:00:00Z"
        e = json.dumps({"seq": seq, "time": t, "record": r}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        leaf = hashlib.sha256(b"\0" + e.encode()).hexdigest()
        out.write('{"seq":%d,"time":"%s","record":%s,"leaf":"%s"}\n' % (seq, t, json.dumps(r, sort_keys=True, separators=(",", ":")), leaf))
PYEOF
)
echo "evchain append with the index: ${t_append}s = $rate records/s (target ≥ 250000), CPU ${cpu_with}s = $(printf '%.0f' "$(echo "$RECORDS / $cpu_with" | bc -l)") records per CPU-second, max RSS $((rss_append / 1024)) MiB"
echo "evchain append without it:     ${best_without}s = $rate_without records/s, CPU ${cpu_without}s"
echo "   (CPU time is spread over the cores: on an idle machine the wall rate approaches records per CPU-second × cores)"
echo "baselines: dd with fsync ${t_io}s; Python json+hashlib loop (no fsync, no tree) ${t_py}s"
echo "(a) evchain/Python speed ratio: $(ratio "$t_py" "$t_append")   evchain time / I/O floor: $(ratio "$t_append" "$t_io")"
r_target=$(ratio "$rate" 250000); r_index=$(ratio "$best_without" "$t_append")
echo "(a) rate / target: $r_target   with index / without: ${r_index}x (target ≥ 0.85)"
echo "load average after (a): $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$r_target >= 1" | bc -l)" = 1 ] && [ "$(echo "$r_index >= 0.85" | bc -l)" = 1 ]; then verdict=MET; else verdict=MISSED; fi
echo "verdict (a): append with the contract index at $rate records/s (${r_target}x the 250000/s target), ${r_index}x the rate without it (target 0.85x): $verdict"
rm -f copy.jsonl py-chain.jsonl
[[ "$PARTS" == *[bc]* ]] || exit 0

echo "== (b) prove in a log of $PROVE_SIZE entries"
if [ ! -f evc-big.meta ] || [ $(( $(stat -c %s evc-big.index) / 8 )) -lt "$PROVE_SIZE" ]; then
    rm -f evc-big evc-big.*
    "$EV" init evc-big --origin bench.example/big
    have=0
    while [ "$have" -lt "$PROVE_SIZE" ]; do
        n=$((PROVE_SIZE - have)); [ "$n" -gt 1000000 ] && n=1000000
        gen "$n" "big$have" | "$EV" append evc-big > /dev/null
        have=$((have + n))
        echo "   built $have entries" >&2
    done
fi
[ -f evc-big.key ] || "$EV" keygen --name bench.example/big --out evc-big.key > evc-big.vkey
"$EV" checkpoint evc-big --key evc-big.key > /dev/null
size=$(sed -n 2p evc-big.checkpoint)
per_process() {  # per_process BINARY: best and mean ms of 10 one-proof processes
    local best="" total=0 seq t0 t1 ms
    for i in $(seq 10); do
        seq=$(( (RANDOM * 32768 + RANDOM) % size ))
        t0=$(date +%s%N); echo "$seq" | "$1" prove evc-big > proof.json; t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
        total=$((total + ms))
    done
    echo "best ${best} ms, mean $((total / 10)) ms"
}
timings=$(per_process "$EV")
# The last of those proofs must be a whole audit path (checked after them: a
# fresh bench folder has no proof before).
"$PY" -c "import json; p = json.load(open('proof.json')); assert len(p['proof']) >= ($size).bit_length() - 1, p"
echo "one proof per process (10 random entries, target ≤ 20 ms): $timings"
echo "   the same, statically linked: $(per_process "$EVS")"
echo "   for scale, the process alone ('evchain --help'): $(best_of 5 "$EV" --help)s"
"$PY" -c "
import random
for _ in range(1000): print(random.randrange($size))" > seqs.txt
timed "$EV" prove evc-big < seqs.txt > proofs.jsonl
echo "1000 random proofs in one process: ${WALL}s = $(printf '%.3f' "$(echo "$WALL" | bc -l)") ms each, max RSS $((RSS / 1024)) MiB"
[ -f evc-small.key ] || "$EV" keygen --name bench.example/small --out evc-small.key > /dev/null
"$EV" checkpoint evc-small --key evc-small.key > /dev/null
timed "$EV" prove evc-small < <(echo 5) > /dev/null; rss_small=$RSS
timed "$EV" prove evc-big < <(echo 5) > /dev/null; rss_big=$RSS
echo "(c) prove max RSS: log of $RECORDS: $((rss_small / 1024)) MiB; log of $size: $((rss_big / 1024)) MiB"
gen 10000 "extra$size" > extra.jsonl
timed "$EV" append evc-small < extra.jsonl > /dev/null; a_small=$RSS
timed "$EV" append evc-big < extra.jsonl > /dev/null; a_big=$RSS
echo "(c) append 10,000 max RSS: log of $RECORDS: $((a_small / 1024)) MiB; log of $size: $((a_big / 1024)) MiB"
du -sh evc-big evc-big.hashes evc-big.index | sed 's/^/   /'
