#!/usr/bin/env bash
# evchain cosign --index (the notary verifies the contract index, INDEX-SPEC §5)
# against its target, in one run: cosigning a checkpoint BATCH entries past
# the last one the witness verified, over CONTRACTS contracts, takes ≤ 10 s
# (issue 19). The log first holds BATCH entries over the same contracts,
# cosigned from size 0 (timed too: the first use, whose proofs are empty);
# the measured batch then touches every contract again, so the material
# carries one index proof per contract against the old index root.
# Baseline in the same run: the plain cosign of the same checkpoint with a
# consistency proof (what a witness that does not check the index does).
# Usage: bench/cosign-index.sh [batch] [contracts]   (defaults 1000000 100000)
source "$(dirname "$0")/common.sh"
BATCH="${1:-1000000}"
CONTRACTS="${2:-100000}"
build_release evchain
EV="$BIN/evchain"
PY="${PYTHON:-python3}"
cd "$BENCH_DIR"

gen() {  # gen N CONTRACTS TAG > file: N evidence records spread over the contracts
    "$PY" - "$1" "$2" "$3" <<'PYEOF'
import hashlib, sys
n, contracts, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = sys.stdout
for i in range(n):
    c = "C2026-%06d" % (i % contracts)
    d = hashlib.sha256(("%s %d" % (tag, i)).encode()).hexdigest()
    out.write('{"id":"%s/esign/%s%d.pdf","contract":"%s","stage":"esign","name":"%s%d.pdf",'
              '"source":"esign-platform","time":"2026-11-25T10:00:00Z","size":48213,"alg":"sha256","digest":"%s"}\n'
              % (c, tag, i, c, tag, i, d))
PYEOF
}


echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
rm -rf log log.* state plain-state ./*.cp ./*.material ./*.cosigned w.key w.key.pub w.vkey
mkdir state plain-state
"$EV" init log --origin bench.example/index
"$EV" keygen --name bench.example/index --out log.key > log.vkey
"$EV" keygen --witness --name notary.example/index --out w.key > w.vkey
[ -f "a-$BATCH-$CONTRACTS.jsonl" ] || gen "$BATCH" "$CONTRACTS" a > "a-$BATCH-$CONTRACTS.jsonl"
[ -f "b-$BATCH-$CONTRACTS.jsonl" ] || gen "$BATCH" "$CONTRACTS" b > "b-$BATCH-$CONTRACTS.jsonl"

"$EV" append log < "a-$BATCH-$CONTRACTS.jsonl" > /dev/null
"$EV" checkpoint log --key log.key --out first.cp
grep -q '^evidence/contract-index/v1 ' first.cp || { echo "the checkpoint carries no contract index line" >&2; exit 1; }
"$EV" consistency log --index --from 0 --checkpoint first.cp > first.material
timed "$EV" cosign --witness-key w.key --log-key log.vkey --state state --init --index first.material first.cp > first.cosigned
t_first=$WALL
"$EV" cosign --witness-key w.key --log-key log.vkey --state plain-state --init first.cp > /dev/null
echo "first use (from size 0, $BATCH entries, empty proofs): ${t_first}s, CPU ${CPU}s, max RSS $((RSS / 1024)) MiB"

"$EV" append log < "b-$BATCH-$CONTRACTS.jsonl" > /dev/null
"$EV" checkpoint log --key log.key --out second.cp
t0=$(date +%s.%N)
"$EV" consistency log --index --from "$BATCH" --checkpoint second.cp > second.material
t1=$(date +%s.%N)
echo "the bank's material: $(printf '%.1f' "$(echo "$t1 - $t0" | bc -l)")s, $(( $(stat -c %s second.material) / 1048576 )) MiB," \
     "$(grep -c '^{"contract"' second.material) index proofs"
"$EV" consistency log --from "$BATCH" --checkpoint second.cp > second.proof
timed "$EV" cosign --witness-key w.key --log-key log.vkey --state plain-state --proof second.proof second.cp > plain.cosigned
t_plain=$WALL

timed "$EV" cosign --witness-key w.key --log-key log.vkey --state state --index second.material second.cp > second.cosigned
t_index=$WALL; cpu_index=$CPU; rss_index=$RSS
echo "cosign --index of a $BATCH-entry batch over $CONTRACTS contracts: ${t_index}s (target ≤ 10 s), CPU ${cpu_index}s, max RSS $((rss_index / 1024)) MiB"
echo "baseline: plain cosign with a consistency proof ${t_plain}s"
echo "time / target: $(ratio "$t_index" 10)   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$(echo "$t_index <= 10" | bc -l)" = 1 ]; then echo "verdict: target met"; else echo "verdict: target missed"; fi
