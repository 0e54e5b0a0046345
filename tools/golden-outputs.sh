#!/usr/bin/env bash
# Records the text and JSON output (and exit code) of every README command and of every
# example under examples/, one file per command, into OUT_DIR. Run it before and after a
# refactoring and `diff -r` the two folders: a behaviour-preserving change leaves no difference.
#
#   tools/golden-outputs.sh BIN OUT_DIR
set -u
BIN=${1:?usage: tools/golden-outputs.sh BIN OUT_DIR}
OUT=${2:?usage: tools/golden-outputs.sh BIN OUT_DIR}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
K=arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555
MSG1="operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 0f0e, api error AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/app-role/i-0abc is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action"
MSG2="An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::111122223333:user/carol is not authorized to perform: kms:Decrypt on resource: $K with an explicit deny in a resource-based policy"
run() {
  local name=$1; shift
  for fmt in text json; do
    "$BIN" --format "$fmt" "$@" >"$OUT/$name.$fmt" 2>"$OUT/$name.$fmt.stderr"
    echo "exit $?" >>"$OUT/$name.$fmt"
    # What changes from run to run: the clock and the measured speed.
    sed -i -E 's/("aws:(CurrentTime|EpochTime)": )"[^"]*"/\1"NOW"/; s/ in [0-9.]+ s \([0-9.]+ [^)]*\)/ in T s (RATE)/' \
      "$OUT/$name.$fmt" "$OUT/$name.$fmt.stderr"
  done
}
run explain-message explain --message "$MSG1"
run explain-trail explain --snapshot examples/snapshot examples/trail
run explain-story5 explain --snapshot examples/snapshot examples/trail-story5
run explain-message-snapshot explain --snapshot examples/snapshot --message "$MSG2"
run replay-session replay --snapshot examples/snapshot examples/trail --session-policy examples/candidates/deny-s3-session.json
run replay-plain replay --snapshot examples/snapshot examples/trail
run explain-bucket-key explain --snapshot examples/bucket-key/snapshot examples/bucket-key/trail
run explain-service-principal explain --snapshot examples/service-principal/snapshot examples/service-principal/trail
run replay-federated replay --snapshot examples/federated/snapshot examples/federated/trail
run replay-federated-session replay --snapshot examples/federated/snapshot examples/federated/trail --session-policy examples/candidates/deny-s3-session.json
run replay-remove replay --snapshot examples/snapshot examples/trail --remove-policy AmazonS3FullAccess
run simulate-getobject simulate --snapshot examples/snapshot --principal arn:aws:iam::111122223333:user/s3_full_access --action s3:GetObject --resource arn:aws:s3:::acme-reports/2026/q3.csv
run simulate-session simulate --snapshot examples/snapshot --principal arn:aws:iam::111122223333:role/deploy-admin --action s3:PutObject --resource arn:aws:s3:::acme-reports/upload.csv --session-policy examples/candidates/deny-s3-session.json
run simulate-backup simulate --snapshot examples/snapshot --principal service:backup-storage.amazonaws.com --action kms:Decrypt --resource "$K"
run simulate-backup-fixed simulate --snapshot examples/snapshot --principal service:backup-storage.amazonaws.com --action kms:Decrypt --resource "$K" --set-resource-policy "$K=examples/candidates/backup-key-policy-fixed.json"
run simulate-service simulate --snapshot examples/snapshot --principal arn:aws:iam::111122223333:user/s3_full_access --service s3 --resource arn:aws:s3:::acme-reports/2026/q3.csv
run simulate-add simulate --snapshot examples/snapshot --principal arn:aws:iam::111122223333:user/s3_full_access --action s3:GetObject --resource arn:aws:s3:::acme-reports/2026/q3.csv --add-policy examples/candidates/allow-kms-decrypt.json
run simulate-oversized simulate --snapshot examples/snapshot --principal arn:aws:iam::111122223333:role/deploy-admin --action s3:PutObject --resource arn:aws:s3:::acme-reports/upload.csv --session-policy examples/candidates/oversized-session-policy.json
for f in examples/scenarios/*.json; do
  run "scenario-$(basename "$f" .json)" simulate --scenario "$f"
done
run scenario-story4-delete simulate --scenario examples/scenarios/story4-candidate-session-policy.json --action s3:DeleteObject --resource arn:aws:s3:::app-data/config.json --expect Denied
run test-scenarios test examples/scenarios/
run lint-key lint "examples/snapshot/kms/5555eeee-55ee-55ee-55ee-555555555555/key-policy.json"
run lint-snapshot lint examples/snapshot
run lint-story5 lint crates/iamwhy-lint/tests/corpus/risk/story5-key-policy.json
run trail-denied trail denied examples/trail
run trail-denied-story5 trail denied examples/trail-story5
run trail-timeline trail timeline examples/trail --principal arn:aws:iam::111122223333:user/s3_full_access
run actions-get actions 's3:Get*'
run actions-one actions s3:getobject
run actions-dependent actions --dependent s3:GetObject
