#!/usr/bin/env bash
# A large case verified in chunks with GNU parallel: the items are split
# into CHUNKS pieces of whole lines, each piece is verified by its own
# evverify job (on this machine's cores or, with SSHLOGIN, on hosts that see
# the same files), and the verdicts are printed in input order: the same
# lines one evverify run prints, so evcatalog makes the same catalogue.
#
# Usage: verify-chunks.sh CHUNKS ITEMS.jsonl EVVERIFY_OPTION...
#   e.g. verify-chunks.sh 8 case.jsonl --chain bank.chain --checkpoint cp.cosigned \
#            --log-key bank-log.key.pub --witness-key notary.key.pub --root /srv/originals
#   --complete and --require-stages judge a contract's items together and are
#   refused here: give them to evcatalog (--require-stages) or run evverify
#   --complete once per contract.
#   JOBS      jobs at once on each host (default: one per core)
#   SSHLOGIN  e.g. 4/host1,4/host2 (parallel --sshlogin); default: this machine
#   WORKDIR   where the chunks and their verdicts go (default: a new temporary
#             directory, removed at the end; with SSHLOGIN, one every host sees)
# Exit status: as evverify's, over all chunks: 3 if a chunk had an I/O error,
# else 2 if one had bad input, else 1 if an item failed, else 0.
set -euo pipefail
chunks="${1:?usage: verify-chunks.sh CHUNKS ITEMS.jsonl EVVERIFY_OPTION...}" items="${2:?items file}"
shift 2
for option in "$@"; do
    case "$option" in --complete|--require-stages|--require-stages=*)
        echo "verify-chunks.sh: $option judges a contract's items together: not per chunk (see the header)" >&2; exit 2 ;;
    esac
done
if [ -n "${WORKDIR:-}" ]; then work="$WORKDIR"; mkdir -p "$work"; else
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
split -n "l/$chunks" -d -a 4 "$items" "$work/chunk."
# Each job's exit status goes to the job log; every chunk runs whatever the others find.
printf -v options '%q ' "$@"
parallel --will-cite --halt never --joblog "$work/jobs" ${JOBS:+--jobs "$JOBS"} \
    ${SSHLOGIN:+--sshlogin "$SSHLOGIN" --env PATH --workdir "$PWD"} \
    "evverify $options < {} > {}.verdicts" ::: "$work"/chunk.[0-9][0-9][0-9][0-9] || true
for chunk in "$work"/chunk.[0-9][0-9][0-9][0-9]; do cat "$chunk.verdicts"; done
statuses=$(awk 'NR > 1 { print $7 }' "$work/jobs")
for s in 3 2 1; do if grep -qx "$s" <<< "$statuses"; then exit "$s"; fi; done
exit 0
