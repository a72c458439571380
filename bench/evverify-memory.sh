#!/usr/bin/env bash
# evverify's peak memory against the number of items (issue 20, item 4):
#   ITEMS evidence records, the whole of a log of ITEMS entries, verified
#   with --records-only against it and printed with --text (one line per
#   item, held back on disk past the output bound until the run ends).
# Target: peak RSS <= 256 MB, whatever the number of items (1M and 10M).
# Usage: bench/evverify-memory.sh [items...]   (default: 1000000 10000000)
# The logs are kept in $BENCH_DIR/evverify-memory and reused.
source "$(dirname "$0")/common.sh"
[ $# -gt 0 ] || set -- 1000000 10000000
[ -n "${BIN:-}" ] || build_release evchain evverify   # BIN: tools already built
PY="${PYTHON:-python3}"
LIMIT_MIB=256
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
verdict=met
for ITEMS in "$@"; do
    W="$BENCH_DIR/records-$ITEMS"
    mkdir -p "$W"
    (
        cd "$W"
        if [ ! -f ready ]; then
            echo "preparing $ITEMS records and a log of them (once)" >&2
            "$PY" - "$ITEMS" > items.jsonl <<'PYEOF'
import hashlib, sys
out = sys.stdout
for i in range(int(sys.argv[1])):
    d = hashlib.sha256(b"record %d" % i).hexdigest()
    out.write('{"id":"M%09d/esign/doc.pdf","contract":"M%09d","stage":"esign","alg":"sha256","digest":"%s"}\n' % (i, i // 4, d))
PYEOF
            rm -rf log.chain*
            "$BIN/evchain" init log.chain --origin bench.example/memory > /dev/null
            "$BIN/evchain" keygen --name bench.example/memory --out log.key > log.vkey
            "$BIN/evchain" append log.chain < items.jsonl > /dev/null
            "$BIN/evchain" checkpoint log.chain --key log.key > /dev/null
            touch ready
        fi
    )
    cd "$W"
    timed sh -c "'$BIN/evverify' --text --records-only --no-witness --chain log.chain --log-key \"\$(cat log.vkey)\" < items.jsonl > verdicts.txt"
    ok=$(grep -c ': OK' verdicts.txt || true)
    rm -f verdicts.txt
    mib=$((RSS / 1024))
    echo "items: $ITEMS  ok: $ok  wall: ${WALL}s  CPU: ${CPU}s  peak RSS: $mib MiB  items/s: $(printf '%.0f' "$(echo "$ITEMS / $WALL" | bc -l)")"
    if [ "$mib" -gt "$LIMIT_MIB" ] || [ "$ok" != "$ITEMS" ]; then verdict="NOT met"; fi
    cd - > /dev/null
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "VERDICT: $verdict: evverify's peak RSS within $LIMIT_MIB MiB for $* items, every verdict ok"
