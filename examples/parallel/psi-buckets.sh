#!/usr/bin/env bash
# A bucketed DH-PSI run with GNU parallel: every step runs one job per
# bucket (psi-bucket-step.sh), on this machine's cores or, with SSHLOGIN, on
# other hosts that see the same directories (parallel --sshlogin), and the
# buckets' matches are merged into the answer one job would give.
#
# Usage: psi-buckets.sh BANK_DIR COMMISSION_DIR
#   Each directory holds that party's items, psi.key, bucket.key (the
#   shared secret that keys the bucket hash), and for the commission its
#   policy file. Settings as for psi-bucket-step.sh: PSI_BUCKETS, PSI_KEY,
#   PSI_PURPOSE; BANK_ITEMS, COMMISSION_ITEMS; BANK_VKEY, COMMISSION_VKEY
#   (each party's verifier key); COMMISSION_POLICY.
#   JOBS      jobs at once on each host (default: one per core)
#   SSHLOGIN  e.g. 4/host1,4/host2 (parallel --sshlogin); default: this machine
# Prints the bank's matched item lines, sorted, on standard output.
# Exit status: 0 done; that of the first failed step otherwise (parallel
# --halt now,fail=1 stops the step at its first failing bucket).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bank="$(cd "${1:?bank directory}" && pwd)" commission="$(cd "${2:?commission directory}" && pwd)"
export PSI_BUCKETS PSI_KEY PSI_PURPOSE
buckets=$(seq 0 $((PSI_BUCKETS - 1)))
run() {  # run PARTY_SETTINGS... -- STEP: the step for every bucket
    local settings=() step
    while [ "$1" != "--" ]; do settings+=("$1"); shift; done
    step="$2"
    env "${settings[@]}" parallel --will-cite --halt now,fail=1 ${JOBS:+--jobs "$JOBS"} \
        ${SSHLOGIN:+--sshlogin "$SSHLOGIN" --env PSI_DIR,PSI_ITEMS,PSI_SIGN,PSI_PEER,PSI_POLICY,PSI_BUCKETS,PSI_KEY,PSI_PURPOSE,PATH} \
        "$here/psi-bucket-step.sh" "$step" ::: $buckets
}
bank_settings=(PSI_DIR="$bank" PSI_ITEMS="${BANK_ITEMS:?}" PSI_SIGN=psi.key PSI_PEER="${COMMISSION_VKEY:?}")
commission_settings=(PSI_DIR="$commission" PSI_ITEMS="${COMMISSION_ITEMS:?}" PSI_SIGN=psi.key PSI_PEER="${BANK_VKEY:?}"
                     PSI_POLICY="${COMMISSION_POLICY:?}")

run "${bank_settings[@]}" -- request
for b in $buckets; do cp "$bank/q.$b" "$commission/q.$b"; done        # the transport
run "${commission_settings[@]}" -- respond
for b in $buckets; do cp "$commission/r.$b" "$bank/r.$b"; done
run "${bank_settings[@]}" -- finish
for b in $buckets; do cat "$bank/m.$b.jsonl"; done | LC_ALL=C sort
