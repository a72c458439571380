#!/usr/bin/env bash
# evpsi between two parties, each in its own directory; messages are copied
# between them as sftp or a USB key would carry them. The bank (B) has
# defaulted contracts, the arbitration commission (A) its docket.
#   1. DH-PSI: which of the bank's defaults are on the docket (ID number + contract)
#   2. the same, cardinality only, on P-256
#   3. labels: the docket's case number for each match
#   4. intersection-sum: the total outstanding amount over the matches
#   5. private comparison: does each claim not exceed the contract amount?
# Usage: examples/psi-demo.sh [workdir]     (default: examples/psi-out, rebuilt each run)
# Only a directory an example script made (it holds the marker file
# .evidence-example-run) is removed and rebuilt; an empty one is used as is;
# anything else is refused (exit 2), so a mistyped workdir never loses data.
# EVIDENCE_BIN: run the tools from that directory instead of building them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="${1:-$here/psi-out}"
. "$here/workdir.sh"
claim_workdir psi-demo.sh "$work"

if [ -n "${EVIDENCE_BIN:-}" ]; then
    bin="$EVIDENCE_BIN"
else
    (cd "$root" && swift build --product evpsi >&2 && swift build --product evchain >&2)
    bin="$(cd "$root" && swift build --show-bin-path)"
fi
export PATH="$bin:$PATH"
mkdir -p "$work/bank" "$work/commission"
bank="$work/bank" commission="$work/commission"
send() { cp "$1/$3" "$2/$3"; echo "   ($3: $(wc -c < "$1/$3") bytes, $1 -> $2)" | sed "s|$work/||g"; }

cat > "$bank/defaults.jsonl" <<'JSON'
{"idno":"110101199003077777","contract":"C2025-0001","outstanding":1250000,"claim":1250000}
{"idno":"310101198512120011","contract":"C2025-0002","outstanding":300000,"claim":320000}
{"idno":"440101197707070022","contract":"C2025-0003","outstanding":78000,"claim":70000}
{"idno":"510101199912310033","contract":"C2025-0004","outstanding":55000,"claim":55000}
JSON
cat > "$commission/docket.jsonl" <<'JSON'
{"idno":"110101199003077777","contract":"C2025-0001","case":"ARB-2026-118","amount":1250000}
{"idno":"440101197707070022","contract":"C2025-0003","case":"ARB-2026-131","amount":78000}
{"idno":"310101198512120011","contract":"C2025-0002","case":"ARB-2026-140","amount":300000}
{"idno":"620101196601010044","contract":"C2024-0999","case":"ARB-2026-007","amount":12000}
JSON
key=(--key idno,contract)

echo "== 0. each party makes its signing key once and sends the other its verifier key"
bank_vkey=$(cd "$bank" && evchain keygen --name bank.example/psi --out psi.key)
commission_vkey=$(cd "$commission" && evchain keygen --name commission.example/psi --out psi.key)
purpose="arbitration case (2026)沪仲案字第0123号"
printf '{"purposes":["%s"],"peers":["%s"],"max_items":1000,"expires":"2030-01-01T00:00:00Z"}\n' \
    "$purpose" "$bank_vkey" > "$commission/policy.json"
printf '{"purposes":["%s"],"peers":["%s"],"max_items":1000,"expires":"2030-01-01T00:00:00Z"}\n' \
    "$purpose" "$commission_vkey" > "$bank/policy.json"
b_sig=(--sign-key psi.key --peer-key "$commission_vkey")
a_sig=(--sign-key psi.key --peer-key "$bank_vkey")

echo "== 1. DH-PSI (ffdhe2048): the bank learns which of its defaults are on the docket"
(cd "$bank" && evpsi psi request "${b_sig[@]}" --purpose "$purpose" "${key[@]}" --state psi.state -o req.msg defaults.jsonl)
send "$bank" "$commission" req.msg
(cd "$commission" && evpsi psi respond "${a_sig[@]}" --policy policy.json "${key[@]}" --request req.msg -o resp.msg docket.jsonl)
send "$commission" "$bank" resp.msg
(cd "$bank" && evpsi psi finish "${b_sig[@]}" "${key[@]}" --response resp.msg --state psi.state defaults.jsonl | tee matched.jsonl)

echo "== 2. cardinality only, P-256: the bank learns only how many"
(cd "$bank" && evpsi psi request "${b_sig[@]}" --purpose "$purpose" "${key[@]}" --group p256 --cardinality-only --state card.state -o card-req.msg defaults.jsonl > /dev/null)
send "$bank" "$commission" card-req.msg
(cd "$commission" && evpsi psi respond "${a_sig[@]}" --policy policy.json "${key[@]}" --group p256 --cardinality-only --request card-req.msg -o card-resp.msg docket.jsonl > /dev/null)
send "$commission" "$bank" card-resp.msg
(cd "$bank" && evpsi psi finish "${b_sig[@]}" "${key[@]}" --response card-resp.msg --state card.state)

echo "== 3. labels: the commission's case number for each matched contract"
(cd "$bank" && evpsi psi request "${b_sig[@]}" --purpose "$purpose" "${key[@]}" --labels --state lab.state -o lab-req.msg defaults.jsonl > /dev/null)
send "$bank" "$commission" lab-req.msg
(cd "$commission" && evpsi psi respond "${a_sig[@]}" --policy policy.json "${key[@]}" --labels --label case --request lab-req.msg -o lab-resp.msg docket.jsonl > /dev/null)
send "$commission" "$bank" lab-resp.msg
(cd "$bank" && evpsi psi finish "${b_sig[@]}" "${key[@]}" --response lab-resp.msg --state lab.state defaults.jsonl)

echo "== 4. intersection-sum: total outstanding over the matches (the bank holds the Paillier key)"
(cd "$bank" && evpsi paillier keygen -o paillier.json && ls -l paillier.json | cut -c1-10)
(cd "$commission" && evpsi sum start "${a_sig[@]}" --purpose "$purpose" "${key[@]}" --state sum.state -o sum1.msg docket.jsonl > /dev/null)
send "$commission" "$bank" sum1.msg
(cd "$bank" && evpsi sum reply "${b_sig[@]}" --policy policy.json "${key[@]}" --message sum1.msg --paillier-key paillier.json --value outstanding --state sum.state -o sum2.msg defaults.jsonl > /dev/null)
send "$bank" "$commission" sum2.msg
(cd "$commission" && evpsi sum finish "${a_sig[@]}" --message sum2.msg --state sum.state -o sum3.msg)
send "$commission" "$bank" sum3.msg
(cd "$bank" && evpsi sum result "${b_sig[@]}" --message sum3.msg --state sum.state --paillier-key paillier.json)

echo "== 5. private comparison: is each matched claim <= the contract amount? (the bank learns one bit each)"
# Rows pair by contract number (--join), in any order; the commission answers from its whole docket.
(cd "$bank" && grep -E 'C2025-000[123]' defaults.jsonl > claims.jsonl)
(cd "$bank" && evpsi compare request "${b_sig[@]}" --purpose "$purpose" --op ge --join contract --value claim --paillier-key paillier.json --state cmp.state -o cmp1.msg claims.jsonl > /dev/null)
send "$bank" "$commission" cmp1.msg
(cd "$commission" && evpsi compare respond "${a_sig[@]}" --policy policy.json --join contract --message cmp1.msg --value amount -o cmp2.msg docket.jsonl > /dev/null)
send "$commission" "$bank" cmp2.msg
(cd "$bank" && evpsi compare result "${b_sig[@]}" --message cmp2.msg --state cmp.state --paillier-key paillier.json claims.jsonl)

echo "== 6. a tampered message is refused (exit 2)"
sed -i '2s/A/B/' "$bank/resp.msg"
if (cd "$bank" && evpsi psi finish "${b_sig[@]}" "${key[@]}" --response resp.msg --state psi.state defaults.jsonl); then
    echo "tampered message accepted!" >&2; exit 1
else
    echo "   refused with status $?"
fi
