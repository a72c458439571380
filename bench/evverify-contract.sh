#!/usr/bin/env bash
# evverify of one contract's originals against a large log and a small one,
# in one run: through CHAIN.lookup the cost must not depend on the log's size.
#   ITEMS originals of 16 KiB, all of one contract, logged among LARGE and
#   among SMALL filler entries; `evverify --complete` of that contract.
# Target: time(large log) ≤ 1.5 × time(small log).
# Usage: bench/evverify-contract.sh [large] [small] [items]   (defaults 10000000 100000 20)
# The originals and both logs are kept in $BENCH_DIR and reused.
source "$(dirname "$0")/common.sh"
LARGE="${1:-10000000}"
SMALL="${2:-100000}"
ITEMS="${3:-20}"
[ -n "${BIN:-}" ] || build_release evhash evchain evverify   # BIN: tools already built
PY="${PYTHON:-python3}"
W="$BENCH_DIR/contract-$ITEMS"
mkdir -p "$W"
cd "$W"

if [ ! -f records.jsonl ]; then
    "$PY" - "$ITEMS" <<'PYEOF'
import json, os, sys
with open("manifest.jsonl", "w") as m:
    os.makedirs("o", exist_ok=True)
    for i in range(int(sys.argv[1])):
        p = "o/f%03d.bin" % i
        with open(p, "wb") as f:
            f.write(os.urandom(16 * 1024))
        m.write(json.dumps({"contract": "CONE", "stage": "performance", "path": p}) + "\n")
PYEOF
    "$BIN/evhash" < manifest.jsonl > records.jsonl
    "$BIN/evchain" keygen --name bench.example/log --out log.key > log.vkey
fi

for size in "$SMALL" "$LARGE"; do
    [ -f "log-$size.ready" ] && continue
    echo "preparing a log of $size entries (once)" >&2
    rm -rf "log-$size".chain*
    "$BIN/evchain" init "log-$size.chain" --origin bench.example/log
    # The contract's records spread through the log, filler around them.
    "$PY" "$ROOT/bench/spread_records.py" "$size" records.jsonl | "$BIN/evchain" append "log-$size.chain" > /dev/null
    "$BIN/evchain" checkpoint "log-$size.chain" --key log.key > /dev/null
    touch "log-$size.ready"
done

run() { "$BIN/evverify" --status --no-witness --complete --chain "log-$1.chain" --log-key "$(cat log.vkey)" < manifest.jsonl; }
run "$SMALL" && run "$LARGE" || { echo "evverify did not verify the contract" >&2; exit 1; }
t_small=$(best_of 5 run "$SMALL")
t_large=$(best_of 5 run "$LARGE")
echo "one contract of $ITEMS items: log of $SMALL entries ${t_small}s, log of $LARGE entries ${t_large}s"
echo "large/small time ratio: $(ratio "$t_large" "$t_small")   (target ≤ 1.5)"
echo "lookup size: $(cat "log-$LARGE.chain.lookup"* | wc -c) bytes for $LARGE entries"
