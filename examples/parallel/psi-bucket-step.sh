#!/usr/bin/env bash
# One step of a bucketed DH-PSI for one bucket: what each job of a GNU
# parallel run (psi-buckets.sh) or of a Slurm job array (psi-buckets.slurm)
# runs. Each bucket is a session of its own, with its own state and messages.
#
# Usage: psi-bucket-step.sh STEP BUCKET       STEP: request | respond | finish
# Settings (environment), the same for every job of a run:
#   PSI_DIR      the party's directory (its items, keys, bucket key, messages)
#   PSI_BUCKETS  how many buckets both parties agreed on
#   PSI_ITEMS    the party's item file, relative to PSI_DIR
#   PSI_KEY      the key fields (e.g. idno,contract)
#   PSI_SIGN, PSI_PEER   this party's signing key file and the peer's verifier key
#   PSI_PURPOSE  (request) the stated purpose;  PSI_POLICY  (respond) the policy file
# Messages are named q.BUCKET (request) and r.BUCKET (response); the finish
# step writes the bucket's matches to m.BUCKET.jsonl. Moving q.* to the
# responder and r.* back is the transport's job (sftp, a shared volume).
# Exit status: evpsi's (0 done; 1 refused; 2 bad input; 3 I/O).
set -euo pipefail
step="${1:?usage: psi-bucket-step.sh request|respond|finish BUCKET}" bucket="${2:?bucket number}"
cd "${PSI_DIR:?PSI_DIR: the directory of this party}"
common=(--key "${PSI_KEY:?}" --buckets "${PSI_BUCKETS:?}" --bucket "$bucket" --bucket-key bucket.key
        --sign-key "${PSI_SIGN:?}" --peer-key "${PSI_PEER:?}")
case "$step" in
    request) evpsi psi request "${common[@]}" --purpose "${PSI_PURPOSE:?}" --state "s.$bucket" -o "q.$bucket" "${PSI_ITEMS:?}" > /dev/null ;;
    respond) evpsi psi respond "${common[@]}" --policy "${PSI_POLICY:?}" --request "q.$bucket" -o "r.$bucket" "${PSI_ITEMS:?}" > /dev/null ;;
    finish)  evpsi psi finish "${common[@]}" --response "r.$bucket" --state "s.$bucket" "${PSI_ITEMS:?}" > "m.$bucket.jsonl.tmp"
             mv "m.$bucket.jsonl.tmp" "m.$bucket.jsonl" ;;
    *) echo "psi-bucket-step.sh: unknown step $step (request, respond or finish)" >&2; exit 2 ;;
esac
