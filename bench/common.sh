# Shared helpers for the benchmarks: build once in release, time commands,
# print ratios. Sourced by bench/*.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Each script keeps its data in its own folder: their generated files must
# never be mistaken for one another's.
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/evidence-bench}/$(basename "$0" .sh)"
mkdir -p "$BENCH_DIR"

# build_release PRODUCT...: builds each product in release; BIN is where they are.
build_release() {
    local product
    for product in "$@"; do (cd "$ROOT" && swift build -c release --product "$product" >&2); done
    BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
}

# best_of N CMD...: runs CMD N times (stdout discarded), prints the best wall time in seconds.
best_of() {
    local n=$1; shift
    local best="" t0 t1 t
    for _ in $(seq "$n"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%.3f\n' "$best"
}

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# timed CMD...: runs CMD with stdin/stdout as given; sets WALL and CPU (user+sys) in
# seconds and RSS (max resident, KiB).
timed() {
    local f; f=$(mktemp)
    /usr/bin/time -f "%e %U %S %M" -o "$f" "$@"
    read -r WALL user sys RSS < "$f"
    CPU=$(echo "$user + $sys" | bc -l)
    rm -f "$f"
}
