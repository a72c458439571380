#!/usr/bin/env bash
# evverify --complete for one contract of 20 entries, spread evenly in a log
# of 100k entries and in one of 10M (every other entry a contract of its
# own, so the contract index holds about as many contracts as entries),
# from each source: --chain, --proofs (a bundle from `evchain prove`),
# --tiles from the directory and --tiles over HTTP (python3 -m http.server
# on 127.0.0.1). Baseline: the 100k log in the same run.
# Targets (issue 19): 10M ≤ 1.5 × 100k for each source; --tiles over HTTP
# ≤ 300 ms.
# The logs are built once and kept under $BENCH_DIR (building the 10M one
# takes a while, in release); the 10M case runs last, once.
# Usage: bench/complete.sh [small_size] [large_size]   (defaults 100000 10000000)
# Set BIN to a directory of built tools to skip the release build.
source "$(dirname "$0")/common.sh"
SMALL="${1:-100000}"
LARGE="${2:-10000000}"
RUNS="${RUNS:-5}"
if [ -z "${BIN:-}" ]; then build_release evchain evverify; fi
PY="${PYTHON:-python3}"
ENTRIES=20

# prepare SIZE: the log, its checkpoint, the contract's bundle and the tiles, once.
prepare() {
    local size=$1 w="$BENCH_DIR/log-$1"
    mkdir -p "$w"
    if [ ! -f "$w/ready" ]; then
        echo "preparing a log of $size entries, its bundle and tiles (once)" >&2
        (
            cd "$w"
            rm -rf chain* tiles log.* bundle.jsonl items.jsonl
            "$BIN/evchain" init chain --origin bench.example/log >/dev/null
            "$BIN/evchain" keygen --name bench.example/log --out log.key > log.vkey
            "$PY" - "$ENTRIES" > items.jsonl <<'PYEOF'
import hashlib, sys
for i in range(int(sys.argv[1])):
    d = hashlib.sha256(b"complete/%d" % i).hexdigest()
    print('{"id":"C2025-0001/esign/doc%d.pdf","contract":"C2025-0001","stage":"esign","alg":"sha256","digest":"%s"}' % (i, d))
PYEOF
            "$PY" "$ROOT/bench/spread_records.py" "$size" items.jsonl | "$BIN/evchain" append chain > /dev/null
            "$BIN/evchain" checkpoint chain --key log.key > /dev/null
            echo '{"contract":"C2025-0001"}' | "$BIN/evchain" prove chain > bundle.jsonl
            "$BIN/evchain" tiles chain --out tiles > /dev/null
            touch ready
        )
    fi
}

# measure SIZE: prints "chain proofs tiles http gets": best times in
# seconds, and the HTTP GETs of one run.
measure() {
    local w="$BENCH_DIR/log-$1"
    cd "$w"
    "$PY" -u -m http.server --bind 127.0.0.1 --directory tiles 0 > server.out 2> server.log &
    SERVER=$!
    for _ in $(seq 100); do grep -q "port" server.out 2>/dev/null && break; sleep 0.05; done
    local url="http://127.0.0.1:$(grep -o 'port [0-9]*' server.out | cut -d' ' -f2)"
    local vkey; vkey="$(cat log.vkey)"
    verify() { "$BIN/evverify" "$@" --log-key "$vkey" --no-witness --records-only --complete --accept-bank-index items.jsonl; }
    local source
    for source in "--chain chain" "--proofs bundle.jsonl" "--tiles tiles" "--tiles $url"; do
        # shellcheck disable=SC2086
        verify $source | grep -c '"status":"ok"' | grep -qx "$ENTRIES" \
            || { echo "$1: $source: not all $ENTRIES ok" >&2; kill $SERVER; exit 1; }
    done
    local chain proofs tiles http
    chain=$(best_of "$RUNS" verify --chain chain)
    proofs=$(best_of "$RUNS" verify --proofs bundle.jsonl)
    tiles=$(best_of "$RUNS" verify --tiles tiles)
    : > server.log
    http=$(best_of "$RUNS" verify --tiles "$url")
    local gets=$(( $(grep -c '"GET ' server.log) / RUNS ))
    kill $SERVER; wait $SERVER 2>/dev/null || true
    echo "$chain $proofs $tiles $http $gets"
}

prepare "$SMALL"
read -r c1 p1 t1 h1 g1 < <(measure "$SMALL")
prepare "$LARGE"
read -r c2 p2 t2 h2 g2 < <(measure "$LARGE")
echo "evverify --complete, one contract of $ENTRIES entries (best of $RUNS; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-22s %10s %10s %8s\n' "source" "$SMALL" "$LARGE" "ratio"
printf '%-22s %9ss %9ss %7s×  (target ≤ 1.5×)\n' "--chain" "$c1" "$c2" "$(ratio "$c2" "$c1")"
printf '%-22s %9ss %9ss %7s×  (target ≤ 1.5×)\n' "--proofs" "$p1" "$p2" "$(ratio "$p2" "$p1")"
printf '%-22s %9ss %9ss %7s×  (target ≤ 1.5×)\n' "--tiles (directory)" "$t1" "$t2" "$(ratio "$t2" "$t1")"
printf '%-22s %9ss %9ss %7s×  (target ≤ 1.5×; ≤ 0.300 s)\n' "--tiles (HTTP)" "$h1" "$h2" "$(ratio "$h2" "$h1")"
echo "HTTP GETs per run: $g1 ($SMALL), $g2 ($LARGE)"
