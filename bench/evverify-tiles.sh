#!/usr/bin/env bash
# evverify --tiles over HTTP: ITEMS evidence records (--records-only) among
# LOG_SIZE entries, verified against the tiles `evchain tiles` published,
# served by python3 -m http.server on 127.0.0.1; baseline: the same items
# against the chain file (--chain). Prints the wall time of each and the
# number of HTTP GETs (deterministic), with the bound 3 × items × log2(n)/8.
# Target (10M log, 20 items): ≤ 200 ms and within the bound.
# Usage: bench/evverify-tiles.sh [items] [log_size]   (defaults 20 10000000)
# Set BIN to a directory of built tools to skip the release build.
source "$(dirname "$0")/common.sh"
ITEMS="${1:-20}"
LOG_SIZE="${2:-10000000}"
if [ -z "${BIN:-}" ]; then
    (cd "$ROOT" && swift build -c release --product evchain >&2 && swift build -c release --product evverify >&2)
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
fi
PY="${PYTHON:-python3}"
W="$BENCH_DIR/tiles-$LOG_SIZE"
mkdir -p "$W"
cd "$W"

if [ ! -f ready ]; then
    echo "preparing a log of $LOG_SIZE entries and its tiles (once)" >&2
    rm -rf chain* tiles log.key
    "$BIN/evchain" init chain --origin bench.example/log >/dev/null
    "$BIN/evchain" keygen --name bench.example/log --out log.key > log.vkey
    "$PY" - "$LOG_SIZE" <<'PYEOF' | "$BIN/evchain" append chain > /dev/null
import hashlib, sys
for i in range(int(sys.argv[1])):
    d = hashlib.sha256(b"bench/%d" % i).hexdigest()
    print('{"id":"K%d/esign/doc.pdf","contract":"K%d","stage":"esign","alg":"sha256","digest":"%s"}' % (i, i, d))
PYEOF
    "$BIN/evchain" checkpoint chain --key log.key > /dev/null
    "$BIN/evchain" tiles chain --out tiles > /dev/null
    touch ready
fi

"$PY" - "$LOG_SIZE" "$ITEMS" > items.jsonl <<'PYEOF'
import hashlib, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
for j in range(k):
    i = (j * 7919 * 1009 + 13) % n
    d = hashlib.sha256(b"bench/%d" % i).hexdigest()
    print('{"id":"K%d/esign/doc.pdf","contract":"K%d","stage":"esign","alg":"sha256","digest":"%s"}' % (i, i, d))
PYEOF

"$PY" -u -m http.server --bind 127.0.0.1 --directory tiles 0 > server.out 2> server.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "port" server.out 2>/dev/null && break; sleep 0.05; done
URL="http://127.0.0.1:$(grep -o 'port [0-9]*' server.out | cut -d' ' -f2)"
VKEY="$(cat log.vkey)"

verify() { "$BIN/evverify" "$@" --log-key "$VKEY" --no-witness --records-only items.jsonl; }
verify --tiles "$URL" | grep -c '"status":"ok"' | grep -qx "$ITEMS" || { echo "not all ok" >&2; exit 1; }
: > server.log
tiles=$(best_of 5 verify --tiles "$URL")
gets=$(( $(grep -c '"GET ' server.log) / 5 ))
chain=$(best_of 5 verify --chain chain)
bound=$(echo "3 * $ITEMS * l($LOG_SIZE) / l(2) / 8" | bc -l)
echo "log $LOG_SIZE entries, $ITEMS items"
echo "evverify --tiles (HTTP): ${tiles}s, $gets GETs per run (bound $(printf '%.0f' "$bound"))"
echo "evverify --chain:        ${chain}s ($(ratio "$tiles" "$chain") × the chain's time)"
