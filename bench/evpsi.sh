#!/usr/bin/env bash
# Benchmarks evpsi against baselines measured in the same run, and prints
# the ratios (higher is better for evpsi):
#   1. GMP group (ffdhe2048): evpsi's per-element cost of 'psi request'
#      (hash to group, 256-bit powm_sec, encode) vs the raw mpz_powm loop of
#      bench/powm.c (gcc -lgmp), both on all cores. Target ≥ 0.85.
#   2. P-256: a 100k × 100k intersection (request, respond, finish) vs
#      OpenMined PSI (pip: openmined-psi) doing the same. Target ≥ 1.0.
#   3. Paillier 2048: encrypt, decrypt, add of N values, file to file, vs
#      python-paillier with gmpy2. Target ≥ 2.
# Sizes: GROUP_N (default 20000), P256_N (100000), PAILLIER_N (1000).
# Python: the .venv of the repository if present (phe, gmpy2, openmined-psi
# are installed there when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GROUP_N=${GROUP_N:-20000}
P256_N=${P256_N:-100000}
PAILLIER_N=${PAILLIER_N:-1000}
CORES=$(nproc)

if [ ! -x .venv/bin/python3 ]; then python3 -m venv .venv; fi
PY=$ROOT/.venv/bin/python3
$PY -c 'import phe, gmpy2' 2>/dev/null || .venv/bin/pip install -q phe gmpy2
$PY -c 'import private_set_intersection' 2>/dev/null || .venv/bin/pip install -q openmined-psi || true

echo "building release..." >&2
swift build -c release --scratch-path .build-release >&2
EVPSI=$ROOT/.build-release/release/evpsi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
gcc -O2 -o "$WORK/powm" bench/powm.c -lgmp

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "machine: $CORES cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

# 1. GMP group
P=$(awk '/ffdhe2048 = ModPGroup/{getline; gsub(/[ ")]/, ""); print}' Sources/EvidenceCore/PSIGroup.swift)
seq "$GROUP_N" | awk '{ printf "{\"id\":\"C2025-%07d\"}\n", $1 }' > "$WORK/items.jsonl"
t_evpsi=1e9; t_powm=1e9; t_sec=1e9
for round in 1 2; do
    t0=$(now)
    "$EVPSI" psi request --state "$WORK/s" -o "$WORK/q.msg" "$WORK/items.jsonl" > /dev/null
    t_evpsi=$(awk -v a="$t0" -v b="$(now)" -v m="$t_evpsi" 'BEGIN { t = b - a; print (t < m ? t : m) }')
    raw=$("$WORK/powm" "$GROUP_N" 256 "$CORES" "$P")
    t_powm=$(echo "$raw" | awk -v m="$t_powm" '/^powm /{ print ($2 < m ? $2 : m) }')
    t_sec=$(echo "$raw" | awk -v m="$t_sec" '/^powm_sec /{ print ($2 < m ? $2 : m) }')
done
echo "group ffdhe2048, $GROUP_N elements on $CORES cores (best of 2):"
echo "  evpsi psi request      $(awk -v t="$t_evpsi" -v n="$GROUP_N" 'BEGIN { printf "%.1f us/element", t * 1e6 / n }')"
echo "  raw mpz_powm           $(awk -v t="$t_powm" -v n="$GROUP_N" 'BEGIN { printf "%.1f us/element", t * 1e6 / n }')"
echo "  raw mpz_powm_sec       $(awk -v t="$t_sec" -v n="$GROUP_N" 'BEGIN { printf "%.1f us/element", t * 1e6 / n }')"
echo "  RATIO group vs mpz_powm:     $(ratio "$t_powm" "$t_evpsi")  (target >= 0.85)"
echo "  ratio group vs mpz_powm_sec: $(ratio "$t_sec" "$t_evpsi")"

# 2. P-256, N x N, half overlapping
A=$WORK/p256a; B=$WORK/p256b; mkdir -p "$A" "$B"
overlap=$((P256_N / 2))
seq 0 $((P256_N - 1)) | awk '{ printf "{\"id\":\"item-%d\"}\n", $1 }' > "$A/a.jsonl"
seq $((P256_N - overlap)) $((2 * P256_N - overlap - 1)) | awk '{ printf "{\"id\":\"item-%d\"}\n", $1 }' > "$B/b.jsonl"
t0=$(now)
"$EVPSI" psi request --group p256 --state "$B/s" -o "$B/q.msg" "$B/b.jsonl" > /dev/null
cp "$B/q.msg" "$A/"
"$EVPSI" psi respond --group p256 --request "$A/q.msg" -o "$A/r.msg" "$A/a.jsonl" > /dev/null
cp "$A/r.msg" "$B/"
found=$("$EVPSI" psi finish --response "$B/r.msg" --state "$B/s" "$B/b.jsonl" | wc -l)
t_p256=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
[ "$found" -eq "$overlap" ] || { echo "p256: wrong intersection size $found" >&2; exit 1; }
echo "P-256 PSI $P256_N x $P256_N (intersection $overlap):"
echo "  evpsi (3 steps, files)  ${t_p256} s"
if t_om=$($PY bench/openmined_psi.py "$P256_N" 2>/dev/null); then
    echo "  openmined-psi          ${t_om} s"
    echo "  RATIO p256 vs openmined-psi: $(ratio "$t_om" "$t_p256")  (target >= 1.0)"
else
    echo "  openmined-psi not installable here: no ratio"
fi

# 3. Paillier 2048
D=$WORK/paillier; mkdir -p "$D"
"$EVPSI" paillier keygen -o "$D/key.json"
"$EVPSI" paillier public "$D/key.json" > "$D/pub.json"
$PY -c "import random; [print('{\"value\":%d}' % random.randint(-2**52, 2**52)) for _ in range($PAILLIER_N)]" > "$D/values.jsonl"
# Best of two runs of each side, interleaved, so that a burst of load from
# elsewhere on the machine hurts neither side alone.
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
e_enc=1e9; e_kenc=1e9; e_dec=1e9; e_add=1e9; p_enc=1e9; p_dec=1e9; p_add=1e9
for round in 1 2; do
    t0=$(now); "$EVPSI" paillier encrypt --public "$D/pub.json" "$D/values.jsonl" > "$D/ev.ct"; t1=$(now)
    "$EVPSI" paillier decrypt --key "$D/key.json" "$D/ev.ct" > "$D/ev.dec"; t2=$(now)
    "$EVPSI" paillier add --public "$D/pub.json" "$D/ev.ct" "$D/ev.ct" > "$D/ev.sum"; t3=$(now)
    "$EVPSI" paillier encrypt --key "$D/key.json" "$D/values.jsonl" > "$D/ev-key.ct"; t4=$(now)
    cmp -s <(cut -d: -f2 "$D/ev.dec") <(cut -d: -f2 "$D/values.jsonl") || { echo "paillier: decryption mismatch" >&2; exit 1; }
    e_enc=$(min "$e_enc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    e_dec=$(min "$e_dec" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
    e_add=$(min "$e_add" "$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')")
    e_kenc=$(min "$e_kenc" "$(awk -v a="$t3" -v b="$t4" 'BEGIN { print b - a }')")
    t0=$(now); $PY bench/paillier_phe.py encrypt "$D/pub.json" "$D/values.jsonl" > "$D/phe.ct"; t1=$(now)
    $PY bench/paillier_phe.py decrypt "$D/key.json" "$D/phe.ct" > "$D/phe.dec"; t2=$(now)
    $PY bench/paillier_phe.py add "$D/pub.json" "$D/phe.ct" "$D/phe.ct" > "$D/phe.sum"; t3=$(now)
    cmp -s <(cut -d: -f2 "$D/phe.dec") <(cut -d: -f2 "$D/values.jsonl") || { echo "phe: decryption mismatch" >&2; exit 1; }
    p_enc=$(min "$p_enc" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
    p_dec=$(min "$p_dec" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
    p_add=$(min "$p_add" "$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')")
done
echo "Paillier 2048, $PAILLIER_N values, file to file, whole processes (evpsi s / phe+gmpy2 s, best of 2):"
echo "  encrypt (public key)  $e_enc / $p_enc   RATIO $(ratio "$p_enc" "$e_enc")  (target >= 2)"
echo "  encrypt (key holder)  $e_kenc / $p_enc   RATIO $(ratio "$p_enc" "$e_kenc")"
echo "  decrypt               $e_dec / $p_dec   RATIO $(ratio "$p_dec" "$e_dec")  (target >= 2)"
echo "  add                   $e_add / $p_add   RATIO $(ratio "$p_add" "$e_add")  (target >= 2)"
